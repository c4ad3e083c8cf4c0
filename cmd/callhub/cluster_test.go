package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// cluster is a Redis, a service and a callback receiver that hub
// processes share.
type cluster struct {
	t        *testing.T
	redis    *redistest.Server // the standalone Redis, when redisCfg is empty
	redisCfg string            // the redis section's entries otherwise
	delivery string            // the delivery section; "" is deliveryCfg
	svc      *httptest.Server
	recv     *receiver

	mu     sync.Mutex
	tokens map[string]string // cid → reply token the service was given
}

func newCluster(t *testing.T) *cluster {
	srv := redistest.Start(t, "--appendonly", "yes", "--appendfsync", "always")
	c := newClusterOn(t, fmt.Sprintf(`url: "%s"`, srv.URL(0)))
	c.redis = srv
	return c
}

// newClusterOn is a cluster whose hubs use the redis section entries
// redisCfg (addrs of a Redis Cluster or Sentinels, waitReplicas, ...).
func newClusterOn(t *testing.T, redisCfg string) *cluster {
	c := &cluster{t: t, redisCfg: redisCfg, recv: newReceiver(), tokens: map[string]string{}}
	c.svc = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.tokens[r.Header.Get("Callhub-Cid")] = r.Header.Get("Callhub-Reply-Token")
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, `{"accepted":true}`)
	}))
	t.Cleanup(c.svc.Close)
	recvSrv := httptest.NewServer(c.recv)
	t.Cleanup(recvSrv.Close)
	c.recv.url = recvSrv.URL
	return c
}

// deliveryCfg is the delivery section of a cluster's hubs: an attempt's
// lease is 2×timeout + 5s.
const deliveryCfg = "{maxAttempts: 10, timeout: 2s, schedule: [500ms]}"

func (c *cluster) config() string {
	delivery := c.delivery
	if delivery == "" {
		delivery = deliveryCfg
	}
	return fmt.Sprintf(`store: redis
redis: {%s, keyPrefix: "%s:"}
secret: "cluster-test-secret"
admin: {apiKey: "admin-key"}
callers:
  - id: shop
    apiKey: "shop-key"
    callbackBase: "%s"
services:
  - id: svc
    baseURL: "%s"
delivery: %s
`, c.redisCfg, c.t.Name(), c.recv.url, c.svc.URL, delivery)
}

func (c *cluster) start() *proc { return startHub(c.t, c.config()) }

func (c *cluster) token(cid string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tokens[cid]
}

// send posts an async request through p and returns its cid and wsToken.
func (c *cluster) send(p *proc, callback bool) (cid, wsToken string) {
	c.t.Helper()
	req := map[string]any{"serviceId": "svc", "method": "POST", "path": "/work", "async": true}
	if callback {
		req["callback"] = map[string]string{"url": "/cb", "method": "POST"}
	}
	var out struct {
		Code    int    `json:"code"`
		Msg     string `json:"msg"`
		CID     string `json:"cid"`
		WSToken string `json:"wsToken"`
	}
	status := doJSON(c.t, p.URL+"/v1/requests", "shop-key", req, &out)
	if status != http.StatusAccepted {
		c.t.Fatalf("POST /v1/requests = %d %+v", status, out)
	}
	return out.CID, out.WSToken
}

// reply posts reply seq for cid through p, retrying while the hub says
// 503, and returns the offset.
func (c *cluster) reply(p *proc, cid string, seq int, end bool) string {
	c.t.Helper()
	var out struct {
		Code   int    `json:"code"`
		Msg    string `json:"msg"`
		Offset string `json:"offset"`
	}
	body := map[string]any{"seq": seq, "isEnd": end, "data": map[string]int{"n": seq}}
	var status int
	testwait.Within(c.t, 30*time.Second, "reply stored", func() bool {
		status = doJSON(c.t, p.URL+"/v1/replies/"+cid, c.token(cid), body, &out)
		return status != http.StatusServiceUnavailable && status != 0
	})
	if status != http.StatusAccepted && status != http.StatusOK {
		c.t.Fatalf("POST reply %d = %d %+v", seq, status, out)
	}
	return out.Offset
}

// doJSON posts v as JSON with a bearer key and decodes the answer into
// out; it returns the status, or 0 if the hub could not be reached.
func doJSON(t *testing.T, url, key string, v, out any) int {
	t.Helper()
	b, _ := json.Marshal(v)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(out)
	return resp.StatusCode
}

// wsFrame is any hub → client WebSocket frame.
type wsFrame struct {
	Type      string `json:"type"`
	CID       string `json:"cid"`
	Seq       int    `json:"seq"`
	Offset    string `json:"offset"`
	Recovered int    `json:"recovered"`
	Msg       string `json:"msg"`
}

func dialWS(t *testing.T, p *proc, query string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+p.URL[len("http"):]+"/v1/ws?"+query, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", p.URL, err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	return conn
}

// dialSubscribed is dialWS, then waits for the "subscribed" frame: the
// subscription is in place (the hub subscribes after the upgrade).
func dialSubscribed(t *testing.T, p *proc, query string) *websocket.Conn {
	t.Helper()
	conn := dialWS(t, p, query)
	awaitFrame(t, conn, "subscribed")
	return conn
}

// nextReply reads frames until a reply arrives.
func nextReply(t *testing.T, conn *websocket.Conn) wsFrame {
	t.Helper()
	return awaitFrame(t, conn, "reply")
}

// awaitFrame reads frames until one of type typ arrives, within 20s in
// all; an error frame fails the test.
func awaitFrame(t *testing.T, conn *websocket.Conn, typ string) wsFrame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		var f wsFrame
		if err := wsjson.Read(ctx, conn, &f); err != nil {
			t.Fatalf("read frame: %v", err)
		}
		switch f.Type {
		case typ:
			return f
		case "error":
			t.Fatalf("error frame: %s", f.Msg)
		}
	}
}
