package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// bench owns what the scenarios start: processes and a temp directory.
type bench struct {
	o     options
	dir   string
	bin   string
	procs []*exec.Cmd
	// redisNodes are the redis-server addresses of the current mode.
	redisNodes []string
}

func newBench(o options) (*bench, error) {
	dir, err := os.MkdirTemp("", "callhub-bench-")
	if err != nil {
		return nil, err
	}
	b := &bench{o: o, dir: dir, bin: o.bin}
	if b.bin == "" {
		b.bin = filepath.Join(dir, "callhub")
		out, err := exec.Command("go", "build", "-o", b.bin, "github.com/callhub/callhub/cmd/callhub").CombinedOutput()
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("go build ./cmd/callhub (run inside the repository, or pass -bin): %v\n%s", err, out)
		}
	}
	return b, nil
}

// close stops every process the bench started and removes its files.
func (b *bench) close() {
	b.stopAll()
	os.RemoveAll(b.dir)
}

// stopAll stops the processes, the last started first: servers before
// the redis-server they use, so none of them logs its loss.
func (b *bench) stopAll() {
	for _, c := range slices.Backward(b.procs) {
		_ = c.Process.Kill()
		_ = c.Wait()
	}
	b.procs = nil
}

// hub starts a callhub with the YAML config and returns its base URL.
func (b *bench) hub(yaml string) (string, error) { return b.hubWith(b.bin, yaml) }

// hubWith starts the callhub binary bin with the YAML config and returns
// its base URL.
func (b *bench) hubWith(bin, yaml string) (string, error) {
	addr, err := freeAddr()
	if err != nil {
		return "", err
	}
	cfg := filepath.Join(b.dir, fmt.Sprintf("hub-%d.yaml", len(b.procs)))
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		return "", err
	}
	cmd := exec.Command(bin, "serve", "--config", cfg, "--listen", addr)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return "", err
	}
	b.procs = append(b.procs, cmd)
	url := "http://" + addr
	return url, waitHTTP(url + "/readyz")
}

// redis starts a private redis-server and returns its address.
func (b *bench) redis(extra ...string) (string, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", errors.New("redis-server is not installed (apt-get install redis-server)")
	}
	addr, err := freeAddr()
	if err != nil {
		return "", err
	}
	_, port, _ := net.SplitHostPort(addr)
	dir := filepath.Join(b.dir, "redis-"+port)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	cmd := exec.Command(bin, append([]string{"--port", port, "--bind", "127.0.0.1", "--save", "", "--dir", dir}, extra...)...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return "", err
	}
	b.procs = append(b.procs, cmd)
	return addr, waitRedis(addr)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitHTTP(url string) error {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready in time", url)
}

func waitRedis(addr string) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			fmt.Fprint(c, "PING\r\n")
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "+PONG") {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("redis-server on %s not ready", addr)
}

// hubConfig is the YAML of a benchmark hub: caller "bench" with
// callbacks to receiver, service "svc" at service.
func hubConfig(store, redisAddr, service, receiver string) string {
	y := fmt.Sprintf(`store: %s
secret: bench-secret
callers:
  - id: bench
    apiKey: bench-key
    callbackBase: "%s"
services:
  - id: svc
    baseURL: "%s"
delivery: {maxAttempts: 3, timeout: 5s, schedule: [100ms]}
limits: {wsSendBuffer: 4096}
`, store, receiver, service)
	switch {
	case strings.Contains(redisAddr, ","): // the nodes of a Redis Cluster
		y += fmt.Sprintf("redis: {addrs: [%s]}\n", redisAddr)
	case redisAddr != "":
		y += fmt.Sprintf("redis: {url: \"redis://%s/0\"}\n", redisAddr)
	}
	return y
}
