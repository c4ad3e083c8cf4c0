package main

import (
	"bufio"
	"io"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/internal/testwait"
)

// tailProc is a `callhub tail` running in the background.
type tailProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	lines  chan string
	stderr *strings.Builder
}

// startTail runs callhub tail with args and reads its lines.
func startTail(t *testing.T, args ...string) *tailProc {
	t.Helper()
	cmd := exec.Command(hubBinary(t), append([]string{"tail"}, args...)...)
	cmd.Env = cleanEnv()
	stdout, _ := cmd.StdoutPipe()
	tp := &tailProc{t: t, cmd: cmd, lines: make(chan string, 20), stderr: &strings.Builder{}}
	cmd.Stderr = tp.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			tp.lines <- sc.Text()
		}
		close(tp.lines)
	}()
	return tp
}

// next is the tail's next line, which must contain want; lines that
// contain one of skip before it are passed over.
func (tp *tailProc) next(want string, skip ...string) string {
	tp.t.Helper()
	for {
		select {
		case l, ok := <-tp.lines:
			switch {
			case ok && strings.Contains(l, want):
				return l
			case ok && slices.ContainsFunc(skip, func(s string) bool { return strings.Contains(l, s) }):
				continue
			}
			tp.t.Fatalf("tail line = %q (open %v), want one with %q; stderr:\n%s", l, ok, want, tp.stderr)
		case <-time.After(testwait.Deadline):
			tp.t.Fatalf("tail printed nothing in time, want %q; stderr:\n%s", want, tp.stderr)
		}
		return ""
	}
}

// ends waits for the tail to exit 0 without printing more.
func (tp *tailProc) ends() {
	tp.t.Helper()
	if l, open := <-tp.lines; open {
		tp.t.Errorf("tail printed %q after the last reply", l)
	}
	if err := tp.cmd.Wait(); err != nil {
		tp.t.Errorf("tail exit: %v; stderr:\n%s", err, tp.stderr)
	}
}

// subscriptions waits until the hub at url counts n cid subscriptions.
func subscriptions(t *testing.T, url, n string) {
	t.Helper()
	testwait.Until(t, n+" subscriptions", func() bool {
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), `callhub_subscriptions{kind="cid"} `+n)
	})
}

// heartbeat posts a heartbeat for cid to a dev hub (no key needed).
func heartbeat(t *testing.T, url, cid, body string) {
	t.Helper()
	resp, err := http.Post(url+"/v1/replies/"+cid+"/heartbeat", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("heartbeat = %d", resp.StatusCode)
	}
}

// TestCLICancelAndLifecycleTail: tail prints a request's progress, its
// stall and its resumption, as lines for people and as the hub's frames
// with --json; cancel ends it (both tails print the hub's 499 and exit
// 0); a second cancel exits 1.
func TestCLICancelAndLifecycleTail(t *testing.T) {
	t.Parallel()
	p := startDevHub(t)
	hubEnv := []string{"CALLHUB_URL=" + p.URL}
	// The demo's /echo answers an async step and never replies.
	ans := runCLI(t, hubEnv, "send", "--service", "echo", "--path", "/echo", "--async", "--json",
		"--heartbeat", "1s", "--deadline", "1h").want(t, 0, "send --heartbeat --deadline").jsonLines(t)
	cid := ans[0]["cid"].(string)
	human := startTail(t, "--hub", p.URL, cid)
	asJSON := startTail(t, "--hub", p.URL, "--json", cid)
	subscriptions(t, p.URL, "2")

	// On a busy machine the request may stall before the tails subscribe
	// or before this heartbeat (then it resumes with it); after it, a
	// second without a sign of life stalls it.
	heartbeat(t, p.URL, cid, `{"progress": 0.4, "msg": "rows"}`)
	human.next(`progress 40% "rows"`, "stalled: ")
	asJSON.next(`"type":"progress"`, `"type":"stalled"`)
	human.next("stalled: the service has been silent since ", "resumed")
	asJSON.next(`"type":"stalled"`, `"type":"resumed"`)
	heartbeat(t, p.URL, cid, "")
	human.next("progress")
	human.next("resumed")
	asJSON.next(`"type":"progress"`)
	asJSON.next(`"type":"resumed"`)

	r := runCLI(t, hubEnv, "cancel", "--reason", "bye", cid).want(t, 0, "cancel")
	if !strings.Contains(r.stdout, "cid "+cid+" canceled: the hub's last reply is at offset ") {
		t.Errorf("cancel stdout = %q", r.stdout)
	}
	human.next(`seq 1 (end) code 499 "bye" (ended by the hub)`)
	asJSON.next(`"origin":"hub"`)
	human.ends()
	asJSON.ends()

	r = runCLI(t, hubEnv, "cancel", "--json", cid).want(t, 1, "a second cancel")
	if !strings.Contains(r.stderr, "hub answered 409") {
		t.Errorf("a second cancel: stderr %q, want the hub's 409", r.stderr)
	}
	runCLI(t, hubEnv, "cancel", "no-such-cid").want(t, 1, "cancel of an unknown cid")
	ans = runCLI(t, hubEnv, "send", "--service", "echo", "--path", "/echo", "--async", "--json").want(t, 0, "send").jsonLines(t)
	doc := runCLI(t, hubEnv, "cancel", "--json", ans[0]["cid"].(string)).want(t, 0, "cancel --json").jsonLines(t)
	if len(doc) != 1 || doc[0]["msg"] != "canceled" || doc[0]["offset"] == "" {
		t.Errorf("cancel --json = %v, want the hub's answer with the offset", doc)
	}
}
