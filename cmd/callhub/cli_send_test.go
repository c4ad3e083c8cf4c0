package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callhub/callhub/internal/testwait"
)

// startDevHub runs callhub in dev mode (no config) on a free port.
func startDevHub(t *testing.T) *proc {
	t.Helper()
	addr := freeAddr(t)
	return startProc(t, addr, []string{"serve", "--listen", addr}, cleanEnv())
}

// TestCLISendAndTail: send answers sync and async requests, --follow
// prints the replies as JSON lines until the last, tail replays a cid,
// and health tells a ready hub from an absent one.
func TestCLISendAndTail(t *testing.T) {
	t.Parallel()
	p := startDevHub(t)
	hubEnv := []string{"CALLHUB_URL=" + p.URL}

	r := runCLI(t, hubEnv, "send", "--service", "echo", "--path", "/echo", "--data", `{"a":1}`, "--json").want(t, 0, "send")
	ans := r.jsonLines(t)
	if len(ans) != 1 || ans[0]["code"] != 0.0 || ans[0]["status"] != 200.0 {
		t.Fatalf("send --json = %v, want one answer with code 0, status 200", ans)
	}
	if data, _ := ans[0]["data"].(map[string]any); data["method"] != "POST" || data["body"] == nil {
		t.Errorf("send --data: the service saw %v, want a POST with the body", data)
	}
	r = runCLI(t, nil, "send", "--hub", p.URL, "--service", "echo", "--path", "/echo", "--query", "x=1").want(t, 0, "send")
	if !strings.Contains(r.stdout, "service answered 200") || !strings.Contains(r.stdout, `"x"`) {
		t.Errorf("send (human) = %q", r.stdout)
	}
	r = runCLI(t, hubEnv, "send", "--service", "nope", "--path", "/x").want(t, 1, "send to an unknown service")
	if !strings.Contains(r.stderr, "hub answered 404") || !strings.Contains(r.stderr, "nope") {
		t.Errorf("send to an unknown service: stderr %q, want the hub's 404 naming it", r.stderr)
	}

	r = runCLI(t, hubEnv, "send", "--service", "echo", "--path", "/async?replies=3&delayMs=5", "--follow", "--json").
		want(t, 0, "send --follow")
	lines := r.jsonLines(t)
	checkReplies(t, "send --follow", lines[1:], 3)
	cid, token := lines[0]["cid"].(string), lines[0]["wsToken"].(string)
	if cid == "" || token == "" {
		t.Fatalf("send --follow: first line %v, want the answer with cid and wsToken", lines[0])
	}

	r = runCLI(t, hubEnv, "tail", cid, "--token", token, "--json").want(t, 0, "tail of an ended cid")
	checkReplies(t, "tail", r.jsonLines(t), 3)
	r = runCLI(t, hubEnv, "tail", "--since", lines[1]["offset"].(string), cid).want(t, 0, "tail --since")
	if got := strings.Count(r.stdout, "\n"); got != 2 || !strings.Contains(r.stdout, "seq 3 (end) code 0") {
		t.Errorf("tail --since the first offset (human) = %q, want seq 2 and 3", r.stdout)
	}
	r = runCLI(t, hubEnv, "tail", "--token", token, "--since", lines[3]["offset"].(string), cid).want(t, 0, "tail --since the last offset")
	if r.stdout != "" {
		t.Errorf("tail --since the last reply's offset printed %q, want nothing (and to end at once)", r.stdout)
	}
	runCLI(t, hubEnv, "tail", "--token", "bad", "no-such-cid").want(t, 1, "tail of an unknown cid")

	runCLI(t, hubEnv, "health").want(t, 0, "health")
	doc := runCLI(t, nil, "health", "--hub", p.URL, "--json").want(t, 0, "health --json").jsonLines(t)
	if len(doc) != 1 || doc[0]["ready"] != true {
		t.Errorf("health --json = %v", doc)
	}
	runCLI(t, []string{"CALLHUB_URL=http://" + freeAddr(t)}, "health").want(t, 1, "health of no hub")
}

// checkReplies: lines are n reply frames of seq 1..n, the last isEnd.
func checkReplies(t *testing.T, what string, lines []map[string]any, n int) {
	t.Helper()
	if len(lines) != n {
		t.Fatalf("%s: %d replies %v, want %d", what, len(lines), lines, n)
	}
	for i, l := range lines {
		if l["type"] != "reply" || l["seq"] != float64(i+1) || l["isEnd"] != (i == n-1) || l["offset"] == "" {
			t.Errorf("%s: reply %d = %v", what, i+1, l)
		}
	}
}

// TestCLITailResumes: tail reconnects after its connection is cut and
// prints every reply once, in order, then exits 0 after the last.
func TestCLITailResumes(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	p := c.start()
	px := startProxy(t, strings.TrimPrefix(p.URL, "http://"))
	cid, wsToken := c.send(p, false)

	cmd := exec.Command(hubBinary(t), "tail", "--hub", px.url(), "--token", wsToken, "--json", cid)
	cmd.Env = cleanEnv()
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	lines := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func() string {
		t.Helper()
		select {
		case l := <-lines:
			return l
		case <-time.After(20 * time.Second):
			t.Fatalf("tail printed nothing in time; stderr:\n%s", stderr.String())
		}
		return ""
	}

	c.reply(p, cid, 1, false)
	if l := next(); !strings.Contains(l, `"seq":1`) {
		t.Fatalf("tail line 1 = %q", l)
	}
	px.cut()
	c.reply(p, cid, 2, false)
	c.reply(p, cid, 3, true)
	for seq := 2; seq <= 3; seq++ {
		if l := next(); !strings.Contains(l, `"seq":`+strconv.Itoa(seq)) {
			t.Fatalf("tail line %d = %q", seq, l)
		}
	}
	if l, open := <-lines; open {
		t.Errorf("tail printed %q after the last reply", l)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("tail exit: %v; stderr:\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "resuming after offset") {
		t.Errorf("tail stderr %q, want a note that it resumed", stderr.String())
	}
}

// proxy forwards loopback TCP connections to a target and can cut them
// all, as a network failure would.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	wg     sync.WaitGroup
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	px := &proxy{ln: ln, target: target}
	px.wg.Go(px.serve)
	t.Cleanup(func() { ln.Close(); px.cut(); px.wg.Wait() })
	return px
}

func (px *proxy) url() string { return "http://" + px.ln.Addr().String() }

func (px *proxy) serve() {
	for {
		in, err := px.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", px.target)
		if err != nil {
			in.Close()
			continue
		}
		px.mu.Lock()
		px.conns = append(px.conns, in, out)
		px.mu.Unlock()
		px.wg.Go(func() { io.Copy(out, in); out.Close() })
		px.wg.Go(func() { io.Copy(in, out); in.Close() })
	}
}

// cut closes every connection so far.
func (px *proxy) cut() {
	px.mu.Lock()
	defer px.mu.Unlock()
	for _, c := range px.conns {
		c.Close()
	}
	px.conns = nil
}

// TestCLIStopsWithoutReplies: --follow of a step the service refused ends
// at once (no reply will come), and a tail stopped by Ctrl-C exits 130,
// not 0, so a script tells it from one that saw the last reply.
func TestCLIStopsWithoutReplies(t *testing.T) {
	t.Parallel()
	p := startDevHub(t)
	hubEnv := []string{"CALLHUB_URL=" + p.URL}
	r := runCLI(t, hubEnv, "send", "--service", "echo", "--path", "/nosuch", "--follow").want(t, 1, "send --follow to a 404")
	if !strings.Contains(r.stderr, "answered 404: no replies will follow") {
		t.Errorf("send --follow to a 404: stderr %q", r.stderr)
	}

	// The demo's /echo answers an async step and never replies.
	ans := runCLI(t, hubEnv, "send", "--service", "echo", "--path", "/echo", "--async", "--json").want(t, 0, "send --async").jsonLines(t)
	cid, token := ans[0]["cid"].(string), ans[0]["wsToken"].(string)
	cmd := exec.Command(hubBinary(t), "tail", "--hub", p.URL, "--token", token, cid)
	cmd.Env = cleanEnv()
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	testwait.Until(t, "tail to subscribe", func() bool {
		resp, err := http.Get(p.URL + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), `callhub_subscriptions{kind="cid"} 1`)
	})
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("tail stopped by SIGINT: exit %d (%v), want 130; output %q", code, err, out.String())
	}
}
