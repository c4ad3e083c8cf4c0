package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/callhub/callhub/internal/testwait"
)

// The multi-process tests start real callhub processes built from this
// package once per test binary.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// TestMain removes the built binary after the tests: it is ~70 MB, and a
// temporary directory is not removed on its own.
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

func hubBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "callhub-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "callhub")
		args := []string{"build", "-o", binPath}
		if raceBuild { // the hubs' own races show in their output, checked at cleanup
			args = append(args, "-race")
		}
		out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// proc is one running callhub process.
type proc struct {
	URL  string
	cmd  *exec.Cmd
	logs *strings.Builder
	mu   *sync.Mutex
	done chan struct{}
}

// startHub runs callhub with the YAML config on a free loopback port and
// waits until it is ready. The process is killed at cleanup.
func startHub(t *testing.T, yaml string, env ...string) *proc {
	t.Helper()
	addr := freeAddr(t)
	cfg := filepath.Join(t.TempDir(), "callhub.yaml")
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return startProc(t, addr, []string{"serve", "--config", cfg, "--listen", addr}, append(os.Environ(), env...))
}

// startProc runs callhub with exactly args and the environment env, and
// waits until it is ready on addr. The process is killed at cleanup.
func startProc(t *testing.T, addr string, args, env []string) *proc {
	t.Helper()
	cmd := exec.Command(hubBinary(t), args...)
	cmd.Env = env
	p := &proc{URL: "http://" + addr, cmd: cmd, logs: &strings.Builder{}, mu: &sync.Mutex{}, done: make(chan struct{})}
	w := lockedWriter{p}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.Kill()
		if strings.Contains(p.Logs(), "WARNING: DATA RACE") {
			t.Errorf("callhub %s: the race detector found a data race", addr)
		}
		if t.Failed() {
			t.Logf("callhub %s output:\n%s", addr, p.Logs())
		}
	})
	waitReady(t, p)
	return p
}

type lockedWriter struct{ p *proc }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.logs.Write(b)
}

// Logs returns what the process printed so far.
func (p *proc) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// Kill ends the process at once (SIGKILL) and waits for it.
func (p *proc) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Terminate sends SIGTERM and waits for the process to exit.
func (p *proc) Terminate(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(40 * time.Second):
		t.Fatal("callhub did not exit after SIGTERM")
	}
}

func waitReady(t *testing.T, p *proc) {
	t.Helper()
	testwait.Until(t, "callhub "+p.URL+" to be ready", func() bool {
		select {
		case <-p.done:
			t.Fatalf("callhub exited before it was ready:\n%s", p.Logs())
		default:
		}
		resp, err := http.Get(p.URL + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
