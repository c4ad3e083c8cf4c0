package main

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/internal/testwait"
	"github.com/coder/websocket"
)

// TestServeAppliesWriteTimeout: limits.writeTimeout reaches the
// WebSocket writer: a subscriber that reads nothing while replies pile up
// is cut off well before the 10s default.
func TestServeAppliesWriteTimeout(t *testing.T) {
	h, stop := startLogHubWith(t, "limits: {writeTimeout: 300ms, wsSendBuffer: 1000}\n")
	defer stop()
	st, out := h.send(t, "POST", "/v1/requests", logCallerKey, map[string]any{"serviceId": "svc", "path": "/a", "async": true})
	if st != http.StatusAccepted {
		t.Fatalf("async request: %d %v", st, out)
	}
	cid, wsToken := out["cid"].(string), out["wsToken"].(string)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(h.url, "http")+"/v1/ws?cid="+cid+"&token="+url.QueryEscape(wsToken), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow() // never read: the hub's writes fill the socket buffers
	testwait.Until(t, "the subscriber's stream", func() bool { return openWebSockets(t, h.url) == 1 })
	big := strings.Repeat("x", 256<<10)
	for seq := 1; seq <= 40; seq++ { // 10 MiB: past the socket buffers
		if st, out := h.send(t, "POST", "/v1/replies/"+cid, logServiceKey, map[string]any{"seq": seq, "isEnd": false, "data": big}); st != http.StatusAccepted {
			t.Fatalf("reply %d: %d %v", seq, st, out)
		}
	}
	testwait.Within(t, 5*time.Second, "the stuck subscriber to be cut", func() bool { return openWebSockets(t, h.url) == 0 })
}

// openWebSockets reads callhub_open_streams{kind="websocket"} from /metrics.
func openWebSockets(t *testing.T, hub string) int {
	t.Helper()
	resp, err := http.Get(hub + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), `callhub_open_streams{kind="websocket"} `); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}
