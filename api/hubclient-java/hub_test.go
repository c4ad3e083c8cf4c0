package hubclientjava_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testlog"
	"github.com/callhub/callhub/internal/testwait"
)

// webhookSecret signs the callbacks of the caller shop.
const webhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// hub is a callhub process on Redis (so that a restart loses nothing),
// with the ports of the service and the callback receiver the Java tests
// run, and a control server through which they restart it.
type hub struct {
	bin     string
	addr    string
	cfg     string
	control *httptest.Server
	svc     string // port of the Java tests' service
	hooks   string // port of the Java tests' callback receiver

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}

	log testlog.Buffer // the process's output, both streams, over its restarts
}

func startHub(t *testing.T, bin string) *hub {
	t.Helper()
	rds := redistest.Start(t)
	h := &hub{bin: bin, addr: freeAddr(t), svc: freePort(t), hooks: freePort(t)}
	h.cfg = filepath.Join(t.TempDir(), "callhub.yaml")
	if err := os.WriteFile(h.cfg, []byte(h.config(rds.Addr, t.TempDir(), freePort(t))), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.kill)
	if err := h.start(); err != nil {
		t.Fatalf("%v\n%s", err, h.logs())
	}
	h.control = httptest.NewServer(http.HandlerFunc(h.serveControl))
	t.Cleanup(h.control.Close)
	return h
}

func (h *hub) config(redisAddr, files, deadPort string) string {
	return fmt.Sprintf(`store: redis
redis: {url: "redis://%s/0"}
secret: java-client-tests-secret
files: {dir: %q}
delivery: {schedule: [200ms]}
callers:
  - id: shop
    apiKey: shop-key
    callbackBase: "http://127.0.0.1:%s"
    webhookSecret: %q
  - id: other
    apiKey: other-key
services:
  - id: svc
    baseURL: "http://127.0.0.1:%s"
    apiKey: svc-key
    timeout: 10s
  - id: down
    baseURL: "http://127.0.0.1:%s"
  - id: fragile
    baseURL: "http://127.0.0.1:%[6]s"
    breaker: {failures: 1, cooldown: 1h}
`, redisAddr, files, h.hooks, webhookSecret, h.svc, deadPort)
}

// env is what the Java tests read to find the hub and their ports.
func (h *hub) env() []string {
	return []string{"CALLHUB_URL=http://" + h.addr, "CALLHUB_CONTROL=" + h.control.URL,
		"CALLHUB_SERVICE_PORT=" + h.svc, "CALLHUB_HOOKS_PORT=" + h.hooks,
		"CALLHUB_WEBHOOK_SECRET=" + webhookSecret}
}

// serveControl is POST /restart: the hub stops with SIGTERM (closing its
// WebSockets with 1001) and starts again on the same address and Redis.
func (h *hub) serveControl(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/restart" {
		http.NotFound(w, r)
		return
	}
	h.stop()
	if err := h.start(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// start starts the process and waits until it is ready.
func (h *hub) start() error {
	cmd := exec.Command(h.bin, "serve", "--config", h.cfg, "--listen", h.addr)
	cmd.Stdout, cmd.Stderr = &h.log, &h.log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start callhub: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	h.mu.Lock()
	h.cmd, h.done = cmd, done
	h.mu.Unlock()
	return ready("http://"+h.addr, done)
}

func (h *hub) logs() string { return h.log.String() }

// stop sends SIGTERM and waits for the process to exit.
func (h *hub) stop() {
	h.mu.Lock()
	cmd, done := h.cmd, h.done
	h.mu.Unlock()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(40 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

func (h *hub) kill() {
	h.mu.Lock()
	cmd, done := h.cmd, h.done
	h.mu.Unlock()
	if cmd != nil {
		_ = cmd.Process.Kill()
		<-done
	}
}

// ready waits until the hub at url answers /readyz, for up to
// testwait.Deadline (from the control server's goroutine, which may not
// fail the test itself).
func ready(url string, done <-chan struct{}) error {
	deadline := time.Now().Add(testwait.Deadline)
	for {
		select {
		case <-done:
			return fmt.Errorf("callhub exited before it was ready")
		default:
		}
		if resp, err := http.Get(url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("callhub %s not ready after %s", url, testwait.Deadline)
		}
		time.Sleep(5 * time.Millisecond) // a condition wait with a deadline, not a wait for time
	}
}

// buildHub builds cmd/callhub into bin.
func buildHub(bin string) error {
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/callhub").CombinedOutput(); err != nil {
		return fmt.Errorf("build callhub: %v\n%s", err, out)
	}
	return nil
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

func freePort(t *testing.T) string {
	_, port, _ := net.SplitHostPort(freeAddr(t))
	return port
}
