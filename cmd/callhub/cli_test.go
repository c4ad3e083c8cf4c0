package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// cliResult is one run of the binary.
type cliResult struct {
	stdout, stderr string
	code           int
}

// runArgv runs argv (argv[0] a path) with this environment minus
// CALLHUB_*, and returns its combined output and exit code.
func runArgv(t *testing.T, argv []string) (string, int) {
	t.Helper()
	r := runEnv(t, nil, argv[0], argv[1:]...)
	return r.stdout + r.stderr, r.code
}

// runCLI runs the callhub binary with args and extra KEY=VALUE env.
func runCLI(t *testing.T, env []string, args ...string) cliResult {
	t.Helper()
	return runEnv(t, env, hubBinary(t), args...)
}

func runEnv(t *testing.T, env []string, bin string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(cleanEnv(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("run %s %q: %v", bin, args, err)
	}
	return cliResult{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
}

// cleanEnv is this process's environment without CALLHUB_* settings.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CALLHUB_") {
			out = append(out, kv)
		}
	}
	return out
}

// want fails the test unless r exited with code.
func (r cliResult) want(t *testing.T, code int, what string) cliResult {
	t.Helper()
	if r.code != code {
		t.Fatalf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", what, r.code, code, r.stdout, r.stderr)
	}
	return r
}

// jsonLines decodes each line of stdout as one JSON object.
func (r cliResult) jsonLines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("stdout line %q is not a JSON object: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// TestCLIUsage: help exits 0 on stdout; bad command lines exit 2 naming
// the problem; serve refuses stray arguments before doing anything.
func TestCLIUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args   []string
		code   int
		stdout string // contained in stdout
		stderr string // contained in stderr
	}{
		{[]string{"--help"}, 0, "Verbs:", ""},
		{[]string{"-h"}, 0, "Verbs:", ""},
		{[]string{"help"}, 0, "Verbs:", ""},
		{[]string{"help", "tail"}, 0, "usage: callhub tail", ""},
		{[]string{"help", "--help"}, 0, "Verbs:", ""},
		{[]string{"help", "help"}, 0, "Verbs:", ""},
		{[]string{"serve", "--help"}, 0, "usage: callhub [serve]", ""},
		{[]string{"send", "-h"}, 0, "--service", ""},
		{[]string{"deliveries", "--help"}, 0, "retry-dead", ""},
		{[]string{"endpoints", "help"}, 0, "enable ENDPOINT", ""},
		{[]string{"frobnicate"}, 2, "", `unknown verb "frobnicate"`},
		{[]string{"serve", "serve", "--config", "x.yaml"}, 2, "", `serve: unexpected argument "serve"`},
		{[]string{"--listen", "127.0.0.1:1", "extra"}, 2, "", `unexpected argument "extra"`},
		{[]string{"serve", "--nope"}, 2, "", "flag provided but not defined: -nope"},
		{[]string{"tail"}, 2, "", "tail: missing CID"},
		{[]string{"tail", "a", "b"}, 2, "", `unexpected argument "b"`},
		{[]string{"send", "--path", "/x"}, 2, "", "--service and --path are required"},
		{[]string{"send", "--service", "s", "--path", "/x", "--data", "{"}, 2, "", "--data must be JSON"},
		{[]string{"send", "--service", "s", "--path", "/x", "--form", "novalue"}, 2, "", "want KEY=VALUE"},
		// Values the hub would refuse are refused here, naming the flag,
		// before anything is sent (CALLHUB_URL names a closed port: a
		// request sent would exit 1, not 2).
		{[]string{"send", "--service", "s", "--path", "/x", "--seq", "-1"}, 2, "", "--seq must be ≥ 1"},
		{[]string{"send", "--service", "s", "--path", "/x", "--seq", "0"}, 2, "", "--seq must be ≥ 1; leave it out for 1"},
		{[]string{"send", "--service", "s", "--path", "/x", "--seq", "x"}, 2, "", `want an integer, got "x"`},
		{[]string{"send", "--service", "s", "--path", "jobs"}, 2, "", "send: --path must start with /"},
		{[]string{"send", "--service", "s", "--path", "/x", "--cid", "a/b"}, 2, "", "send: --cid must be 1 to 128 letters"},
		{[]string{"send", "--service", "s", "--path", "/x", "--header", "X b: 1"}, 2, "", `--header "X b": not a valid header`},
		{[]string{"send", "--service", "s", "--path", "/x", "--data", "{}", "--form", "a=1"}, 2, "", "--data cannot be sent together with form"},
		{[]string{"send", "--service", "s", "--path", "jobs", "--cid", "a b"}, 2, "", "--path must start with /; --cid must be"},
		{[]string{"tail", "--since", "garbage", "c1"}, 2, "", `tail: --since must be an offset`},
		{[]string{"tail", "a/b"}, 2, "", `tail: CID must be 1 to 128 letters`},
		{[]string{"deliveries", "list", "--state", "zombie"}, 2, "", `--state must be pending, delivered, failed, dead or skipped, got "zombie"`},
		{[]string{"deliveries", "list", "--limit", "0"}, 2, "", `--limit must be an integer from 1 to 1000`},
		{[]string{"deliveries", "list", "--cursor", "abc"}, 2, "", `--cursor must be the cursor the previous page answered`},
		{[]string{"endpoints", "enable", "localhost:8080"}, 2, "", `ENDPOINT must be an http(s) URL`},
		{[]string{"send", "--service", "s", "--path", "/x", "--method", "TRACE"}, 2, "", "--method must be GET"},
		{[]string{"send", "--service", "s", "--path", "/x", "--callback", "/cb", "--callback-method", "PUT"}, 2, "", "--callback-method must be GET or POST"},
		{[]string{"send", "--service", "s", "--path", "/x", "--timeout", "-5s"}, 2, "", "--timeout must be from 1ms to 24h"},
		{[]string{"send", "--service", "s", "--path", "/x", "--timeout", "500us"}, 2, "", "--timeout must be from 1ms to 24h"},
		{[]string{"send", "--service", "s", "--path", "/x", "--timeout", "48h"}, 2, "", "--timeout must be from 1ms to 24h"},
		{[]string{"tail", ""}, 2, "", "tail: missing CID"},
		{[]string{"send", "--service", "s", "--path", "/x", "--deadline", "5s"}, 2, "", "send: --deadline only an async request has one"},
		{[]string{"send", "--service", "s", "--path", "/x", "--async", "--heartbeat", "500ms"}, 2, "", "--heartbeat must be from 1s to 24h"},
		{[]string{"send", "--service", "s", "--path", "/x", "--async", "--deadline", "25h"}, 2, "", "--deadline must be from 1ms to 24h"},
		{[]string{"help", "cancel"}, 0, "usage: callhub cancel", ""},
		{[]string{"cancel"}, 2, "", "cancel: missing CID"},
		{[]string{"cancel", "a/b"}, 2, "", "cancel: CID must be 1 to 128 letters"},
		{[]string{"cancel", "c1", "c2"}, 2, "", `cancel: unexpected argument "c2"`},
		{[]string{"cancel", "--reason", strings.Repeat("x", 1025), "c1"}, 2, "", "--reason must be at most 1024 bytes"},
		{[]string{"health", "--timeout", "0s"}, 2, "", "--timeout must be above 0"},
		{[]string{"deliveries"}, 2, "", "missing sub-verb"},
		{[]string{"deliveries", "purge"}, 2, "", `unknown sub-verb "purge"`},
		{[]string{"deliveries", "retry"}, 2, "", "missing ID"},
		{[]string{"deliveries", "retry", "x/y"}, 2, "", `deliveries retry: ID must be <cid>.<seq>, as the delivery list shows it, got "x/y"`},
		{[]string{"deliveries", "retry", "c1.0"}, 2, "", `got "c1.0"`},
		{[]string{"deliveries", "retry-dead"}, 2, "", "--caller is required"},
		{[]string{"deliveries", "retry-dead", "--caller", "c", "--since", "yesterday"}, 2, "", "--since must be"},
		{[]string{"endpoints", "enable"}, 2, "", "missing ENDPOINT"},
		{[]string{"health", "--hub", "localhost:8888"}, 2, "", "--hub must be an http(s) URL"},
		{[]string{"check-config"}, 2, "", "missing FILE"},
		{[]string{"version", "extra"}, 2, "", `unexpected argument "extra"`},
	}
	closed := []string{"CALLHUB_URL=" + closedURL(t)}
	for _, tt := range tests {
		r := runCLI(t, closed, tt.args...)
		if r.code != tt.code || !strings.Contains(r.stdout, tt.stdout) || !strings.Contains(r.stderr, tt.stderr) {
			t.Errorf("callhub %q = exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
				tt.args, r.code, r.stdout, r.stderr, tt.code, tt.stdout, tt.stderr)
		}
	}
}

// TestCLIVersion: version prints "dev" unless stamped at build time, and
// --json gives a document.
func TestCLIVersion(t *testing.T) {
	t.Parallel()
	r := runCLI(t, nil, "version").want(t, 0, "version")
	if !strings.HasPrefix(r.stdout, "callhub dev (") {
		t.Errorf("version = %q, want callhub dev (...)", r.stdout)
	}
	if alias := runCLI(t, nil, "--version").want(t, 0, "--version"); alias.stdout != r.stdout {
		t.Errorf("--version = %q, want %q", alias.stdout, r.stdout)
	}
	doc := runCLI(t, nil, "version", "--json").want(t, 0, "version --json").jsonLines(t)
	if len(doc) != 1 || doc[0]["version"] != "dev" || !strings.HasPrefix(doc[0]["go"].(string), "go") {
		t.Errorf("version --json = %v", doc)
	}
}

// TestCLIVersionStamped: -ldflags -X main.version, as the Dockerfile
// passes it, sets what version prints.
func TestCLIVersionStamped(t *testing.T) {
	t.Parallel()
	bin := t.TempDir() + "/callhub"
	out, err := exec.Command("go", "build", "-ldflags=-X main.version=v9.8.7-test", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	r := runEnv(t, nil, bin, "version").want(t, 0, "version")
	if !strings.HasPrefix(r.stdout, "callhub v9.8.7-test (") {
		t.Errorf("version = %q, want callhub v9.8.7-test (...)", r.stdout)
	}
}

// TestCLIHelpHidesKey: no client verb's --help prints the key that
// CALLHUB_KEY holds, nor the password of a CALLHUB_URL, yet the verbs
// still use them.
func TestCLIHelpHidesKey(t *testing.T) {
	t.Parallel()
	const secret, password = "sekrit-key-4f1d", "url-pw-9c2e"
	env := []string{"CALLHUB_KEY=" + secret, "CALLHUB_URL=http://ops:" + password + "@127.0.0.1:8888"}
	for _, args := range [][]string{
		{"health", "--help"}, {"send", "--help"}, {"tail", "-h"}, {"help", "tail"}, {"cancel", "--help"},
		{"deliveries", "list", "--help"}, {"deliveries", "retry", "--help"}, {"deliveries", "retry-dead", "--help"},
		{"endpoints", "list", "--help"}, {"endpoints", "enable", "--help"}, {"services", "--help"},
	} {
		r := runCLI(t, env, args...).want(t, 0, strings.Join(args, " "))
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("callhub %q printed CALLHUB_KEY:\n%s%s", args, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, password) || !strings.Contains(r.stdout, "http://ops:xxxxx@127.0.0.1:8888") {
			t.Errorf("callhub %q printed CALLHUB_URL's password, or not its redacted form:\n%s%s", args, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stdout, "-key key") {
			t.Errorf("callhub %q does not list --key:\n%s", args, r.stdout)
		}
	}
}

// closedURL is the URL of a loopback port nothing listens on: a request
// sent there fails to connect.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	return u
}
