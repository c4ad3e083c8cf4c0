// Package redistest starts private redis-server processes for tests, on
// free loopback ports. When redis-server is not installed, tests skip with
// a loud message, except under CI=true, where they fail.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is one redis-server process. Stop and Start restart it on the same
// port and data directory (with appendonly, data survives a restart).
type Server struct {
	Addr string
	tb   testing.TB
	bin  string
	dir  string
	conf string // a config file, first argument (redis-sentinel)
	args []string
	cmd  *exec.Cmd

	client    *redis.Client // see Client
	announced string        // a cluster node's address for clients, when not Addr (StartClusterBehindProxies)
}

// Start starts a redis-server for tb and stops it at cleanup. Extra
// arguments are passed through, e.g. "--appendonly", "yes".
func Start(tb testing.TB, extra ...string) *Server {
	tb.Helper()
	s := &Server{Addr: freeAddr(tb), tb: tb, bin: Binary(tb), dir: tb.TempDir(), args: extra}
	s.Start()
	tb.Cleanup(s.Stop)
	return s
}

// Binary returns the path of redis-server, or skips (fails under CI=true).
func Binary(tb testing.TB) string {
	tb.Helper()
	return binary(tb, "redis-server")
}

func binary(tb testing.TB, name string) string {
	tb.Helper()
	bin, err := exec.LookPath(name)
	if err == nil {
		return bin
	}
	msg := strings.ToUpper(name) + " NOT INSTALLED: skipping a Redis test (apt-get install redis-server redis-sentinel)"
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
	return ""
}

// Start starts the process (again) and waits until it answers PING.
func (s *Server) Start() {
	s.tb.Helper()
	_, port, _ := net.SplitHostPort(s.Addr)
	var args []string
	if s.conf != "" {
		args = append(args, s.conf)
	}
	args = append(args, "--port", port, "--bind", "127.0.0.1", "--dir", s.dir,
		"--save", "", "--daemonize", "no", "--loglevel", "warning")
	s.cmd = exec.Command(s.bin, append(args, s.args...)...)
	if err := s.cmd.Start(); err != nil {
		s.tb.Fatalf("start redis-server: %v", err)
	}
	if err := waitPing(s.Addr, 10*time.Second); err != nil {
		s.Stop()
		s.tb.Fatalf("redis-server on %s: %v", s.Addr, err)
	}
}

// Stop kills the process (SIGKILL, as kill -9) and waits for it to exit.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Pause stalls the process (SIGSTOP): it keeps its connections and port
// but answers nothing until Resume. Stop also ends a paused process.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP) }

// Resume continues a paused process (SIGCONT).
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) {
	s.tb.Helper()
	if s.cmd == nil || s.cmd.Process == nil {
		s.tb.Fatalf("redis-server on %s: not running", s.Addr)
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.tb.Fatalf("redis-server on %s: %v: %v", s.Addr, sig, err)
	}
}

// URL is the server's redis:// URL for database db.
func (s *Server) URL(db int) string { return "redis://" + s.Addr + "/" + strconv.Itoa(db) }

func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitPing polls addr with a raw RESP PING until it answers or d passes.
func waitPing(addr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	var err error
	for time.Now().Before(deadline) {
		if err = ping(addr); err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond) // polling a starting process; no event to wait on
	}
	return fmt.Errorf("no PONG within %s: %w", d, err)
}

func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("answered %q", line)
	}
	return nil
}
