package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// TestServeSIGTERMWithStalledClients: an event stream and a WebSocket
// whose clients stopped reading, their windows full of replies, do not
// hold up a shutdown: the process exits within the bound after SIGTERM,
// cleanly.
func TestServeSIGTERMWithStalledClients(t *testing.T) {
	var mu sync.Mutex
	var replyToken string
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		replyToken = r.Header.Get("Callhub-Reply-Token")
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer svc.Close()
	p := startHub(t, fmt.Sprintf("callers: [{id: shop, apiKey: shop-key}]\nservices: [{id: svc, baseURL: %q}]\n", svc.URL))
	var req struct {
		CID     string `json:"cid"`
		WSToken string `json:"wsToken"`
	}
	body := map[string]any{"serviceId": "svc", "path": "/work", "async": true}
	if status := doJSON(t, p.URL+"/v1/requests", "shop-key", body, &req); status != http.StatusAccepted {
		t.Fatalf("POST /v1/requests = %d", status)
	}
	stalledEvents(t, p, req.CID)
	ws := dialWS(t, p, "cid="+req.CID+"&token="+req.WSToken)
	if f := nextFrame(t, ws); f.Type != "subscribed" {
		t.Fatalf("WebSocket got %+v, want subscribed", f)
	}
	// Neither client reads from here on. Each reply is offered to both;
	// together they are far more than the socket buffers between the hub
	// and a client hold, and fewer than the hub's send buffer drops.
	big := strings.Repeat("x", 512<<10)
	mu.Lock()
	tok := replyToken
	mu.Unlock()
	for seq := 1; seq <= 24; seq++ {
		var out struct{}
		if status := doJSON(t, p.URL+"/v1/replies/"+req.CID, tok, map[string]any{"seq": seq, "isEnd": false, "data": big}, &out); status != http.StatusOK && status != http.StatusAccepted {
			t.Fatalf("reply %d = %d", seq, status)
		}
	}
	start := time.Now()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	const bound = 15 * time.Second
	select {
	case <-p.done:
		t.Logf("exited %s after SIGTERM", time.Since(start).Round(time.Millisecond))
	case <-time.After(bound):
		t.Fatalf("callhub still running %s after SIGTERM with stalled clients", bound)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code = %d, want 0", code)
	}
}

// stalledEvents opens cid's event stream, reads the response head and
// then nothing more; the connection closes when the test ends.
func stalledEvents(t *testing.T, p *proc, cid string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "GET /v1/requests/%s/events HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer shop-key\r\n\r\n", cid)
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	status, err := bufio.NewReaderSize(conn, 512).ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 200") {
		t.Fatalf("event stream answered %q, %v", status, err)
	}
}

// nextFrame reads one frame.
func nextFrame(t *testing.T, conn *websocket.Conn) wsFrame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var f wsFrame
	if err := wsjson.Read(ctx, conn, &f); err != nil {
		t.Fatalf("read frame: %v", err)
	}
	return f
}
