package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/api"
	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/memstore"
	"github.com/callhub/callhub/hub/redisstore"
	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/benchcpu"
	"github.com/coder/websocket"
)

// BenchmarkPostReply is the reply handler of a service posting with its
// reply token, in process (no network), on the in-memory store.
func BenchmarkPostReply(b *testing.B) {
	store := &memstore.Store{}
	h, err := hub.New(hub.Config{Store: store, Broker: &memstore.Broker{}, Secret: []byte("bench")})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	srv := api.New(api.Config{Hub: h})
	cid := "bench-cid"
	if _, _, err := store.CreateRequest(context.Background(), hub.Record{CID: cid, Caller: "shop", ServiceID: "svc", CreatedAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	auth := "Bearer " + (&hub.Tokens{Secret: []byte("bench")}).ReplyToken(cid)
	const body = `{"isEnd":false,"data":{"n":1}}`
	b.ReportAllocs()
	for b.Loop() {
		if rec := postJSON(srv.Handler(), "/v1/replies/"+cid, auth, body); rec.Code != http.StatusAccepted {
			b.Fatalf("POST /v1/replies = %d %s", rec.Code, rec.Body)
		}
	}
}

// postJSON posts body as JSON to path on h with the Authorization auth,
// in process, and returns the answer.
func postJSON(h http.Handler, path, auth, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// BenchmarkPostRequestAsync is an async request with a POST callback,
// as issue 21's cycle sends it: the front door in process on the
// in-memory store, forwarded over loopback to a service that answers
// 202 (its server's work included).
func BenchmarkPostRequestAsync(b *testing.B) {
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	}))
	defer svc.Close()
	h, err := hub.New(hub.Config{Store: &memstore.Store{}, Broker: &memstore.Broker{}, Secret: []byte("bench"),
		Services: []hub.Service{{ID: "svc", BaseURL: svc.URL}}, PublicURL: "http://hub.test"})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	srv := api.New(api.Config{Hub: h, Keys: []api.Key{{Kind: "caller", ID: "shop", APIKey: "shop-key"}}})
	const body = `{"serviceId":"svc","method":"POST","path":"/work?via=1","async":true,"callback":{"url":"/cb","method":"POST"}}`
	b.ReportAllocs()
	for b.Loop() {
		if rec := postJSON(srv.Handler(), "/v1/requests", "Bearer shop-key", body); rec.Code != http.StatusAccepted {
			b.Fatalf("POST /v1/requests = %d %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkPostReplyRedis is BenchmarkPostReply on a Redis store, with
// the metrics of a served hub and an access log written to nowhere: the
// publishing instance's whole share of a reply, less the network. No one
// subscribes. 16 goroutines post at once, round robin over 1,000 cids,
// as a busy hub's connections do. Besides time per reply it reports this
// process's CPU per reply (cpu-µs/op, from getrusage: the handler chain
// and the Redis client, with what building the requests costs) and
// redis-server's (redis-µs/op).
func BenchmarkPostReplyRedis(b *testing.B) {
	srv := redistest.Start(b)
	store, err := redisstore.Open(redisstore.Config{URL: srv.URL(0), KeyPrefix: "bench:"})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	metrics := api.NewMetrics()
	h, err := hub.New(hub.Config{Store: store, Broker: store.Broker(), Secret: []byte("bench"), Observer: metrics})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	handler := api.New(api.Config{Hub: h, Metrics: metrics, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}).Handler()
	tokens := &hub.Tokens{Secret: []byte("bench")}
	const cids = 1000
	paths, auths := make([]string, cids), make([]string, cids)
	for i := range cids {
		cid := fmt.Sprintf("0b7e3a52-8f1d-4c3e-9a57-%012d", i)
		if _, _, err := store.CreateRequest(context.Background(), hub.Record{CID: cid, Caller: "shop", ServiceID: "svc", CreatedAt: time.Now()}); err != nil {
			b.Fatal(err)
		}
		paths[i], auths[i] = "/v1/replies/"+cid, "Bearer "+tokens.ReplyToken(cid)
	}
	const body = `{"isEnd":false,"data":{"n":1}}`
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(8) // 16 goroutines on 2 cores
	start, cpu := srv.CPU(), benchcpu.Process(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1)-1) % cids
			if rec := postJSON(handler, paths[i], auths[i], body); rec.Code != http.StatusAccepted {
				b.Errorf("POST /v1/replies = %d %s", rec.Code, rec.Body)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64((benchcpu.Process(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
	b.ReportMetric(float64((srv.CPU()-start).Microseconds())/float64(b.N), "redis-µs/op")
}

// BenchmarkWSDelivery is one reply posted to the hub and received by the
// WebSocket subscriber of its cid, over loopback, each of 100 idle
// subscribers in turn: what an idle connection's delivery costs the
// hub's write side (the writer it wakes) and the network path.
func BenchmarkWSDelivery(b *testing.B) {
	h, cids, conns := wsBenchRig(b, 100)
	ctx := context.Background()
	seq := 0
	for b.Loop() {
		i := seq % len(conns)
		seq++
		if _, _, err := h.PostReply(ctx, cids[i], hub.ReplyInput{Seq: seq/len(conns) + 1, IsEnd: new(false)}); err != nil {
			b.Fatal(err)
		}
		if _, _, err := conns[i].Read(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWSBurst is bursts of 32 replies, one to each of 32 idle
// subscribers, posted before any is written, as one pub/sub read
// dispatches them on a busy server: each delivery wakes a writer while
// the others wait to run (one P). An op is one reply; a writer goroutine
// started for it shows in allocs/op.
func BenchmarkWSBurst(b *testing.B) {
	h, cids, conns := wsBenchRig(b, 32)
	ctx := context.Background()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	seq := 0
	for b.Loop() {
		i := seq % len(conns)
		seq++
		if _, _, err := h.PostReply(ctx, cids[i], hub.ReplyInput{Seq: seq/len(conns) + 1, IsEnd: new(false)}); err != nil {
			b.Fatal(err)
		}
		if i == len(conns)-1 {
			readEach(b, conns)
		}
	}
	readEach(b, conns[:seq%len(conns)]) // the last burst
}

func readEach(b *testing.B, conns []*websocket.Conn) {
	for _, c := range conns {
		if _, _, err := c.Read(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// wsBenchRig is a hub on the memory store behind a loopback server, and n
// WebSocket subscribers, one on each of n cids, past their subscribed
// frame.
func wsBenchRig(b *testing.B, n int) (*hub.Hub, []string, []*websocket.Conn) {
	store := &memstore.Store{}
	secret := []byte("bench")
	h, err := hub.New(hub.Config{Store: store, Broker: &memstore.Broker{}, Secret: secret})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { h.Close() })
	ts := httptest.NewServer(api.New(api.Config{Hub: h}).Handler())
	b.Cleanup(ts.Close)
	ctx := context.Background()
	toks := &hub.Tokens{Secret: secret}
	conns := make([]*websocket.Conn, n)
	cids := make([]string, n)
	for i := range conns {
		cids[i] = fmt.Sprintf("bench-%d", i)
		if _, _, err := store.CreateRequest(ctx, hub.Record{CID: cids[i], Caller: "shop", ServiceID: "svc", CreatedAt: time.Now()}); err != nil {
			b.Fatal(err)
		}
		u := fmt.Sprintf("ws%s/v1/ws?cid=%s&token=%s", strings.TrimPrefix(ts.URL, "http"), cids[i],
			toks.WSToken(cids[i], "shop", time.Now().Add(time.Hour)))
		c, _, err := websocket.Dial(ctx, u, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.CloseNow() })
		if _, msg, err := c.Read(ctx); err != nil || !strings.Contains(string(msg), "subscribed") {
			b.Fatalf("subscribe: %s %v", msg, err)
		}
		conns[i] = c
	}
	return h, cids, conns
}
