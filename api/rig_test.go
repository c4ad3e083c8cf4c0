package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/api"
	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/filestore"
	"github.com/callhub/callhub/hub/hubtest"
	"github.com/callhub/callhub/hub/memstore"
	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// rig is a hub behind a real HTTP server, with one recording service
// "svc" and callers shop and other.
type rig struct {
	t     *testing.T
	URL   string
	Hub   *hub.Hub
	svc   *service
	blobs *filestore.Blobs
}

// rigOptions tweak a rig.
type rigOptions struct {
	dev        bool
	sendBuffer int
	maxBody    int64
	now        func() time.Time
	allowShop  string // CIDR letting keyless requests in as shop
	ping       time.Duration
	hooks      string // shop's callbackBase: enables callback delivery
	maxFile    int64
	rate       float64 // limits.ratePerCaller
	write      time.Duration
	store      hub.Store    // defaults to a memstore.Store
	broker     hub.Broker   // defaults to a memstore.Broker
	logger     *slog.Logger // defaults to discarding
	cancelPath string       // svc's cancelPath
	// conns serves the rig with api.Server.HTTPServer on its Listener,
	// with these limits, instead of a plain httptest server.
	conns   *api.Config
	breaker hub.Breaker // svc's
}

// service records what the hub forwarded and answers with answer.
type service struct {
	srv    *httptest.Server
	mu     sync.Mutex
	seen   []*http.Request
	bodies []string
	answer func(w http.ResponseWriter, r *http.Request)
}

func (s *service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.seen = append(s.seen, r.Clone(context.Background()))
	s.bodies = append(s.bodies, string(b))
	answer := s.answer
	s.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(b))
	if answer != nil {
		answer(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"ok":true}`)
}

func (s *service) hits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seen)
}

func (s *service) last() (*http.Request, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[len(s.seen)-1], s.bodies[len(s.bodies)-1]
}

// startFront starts the test service and the hub's front server, whose
// handler (checked against the OpenAPI document) is stored in handler
// once the hub is built.
func startFront(t *testing.T) (*service, *httptest.Server, *atomic.Value) {
	t.Helper()
	svc := &service{}
	svc.srv = httptest.NewServer(svc)
	t.Cleanup(svc.srv.Close)
	handler := new(atomic.Value)
	front := httptest.NewServer(validated(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.Load().(http.Handler).ServeHTTP(w, r)
	})))
	t.Cleanup(front.Close)
	return svc, front, handler
}

func newRig(t *testing.T, o rigOptions) *rig {
	t.Helper()
	svc, front, handler := startFront(t)
	d := startDelivery(t, o.hooks)
	var deliveries hub.Deliveries
	if d != nil {
		deliveries = d // a nil *Deliverer must not become a non-nil interface
	}
	if o.store == nil {
		o.store, o.broker = &memstore.Store{}, &memstore.Broker{}
	}
	h, err := hub.New(hub.Config{Open: o.dev, AdminKeyed: true, Store: o.store, Broker: o.broker, Secret: []byte("test"), Deliveries: deliveries,
		Services: []hub.Service{{ID: "svc", BaseURL: svc.srv.URL, Headers: map[string]string{"X-Access-Token": "svc-token"},
			CancelPath: o.cancelPath, Breaker: o.breaker},
			{ID: "other", BaseURL: svc.srv.URL}},
		PublicURL: front.URL, SendBuffer: o.sendBuffer, Now: o.now})
	if err != nil {
		t.Fatal(err)
	}
	keys := []api.Key{{Kind: "caller", ID: "shop", APIKey: "shop-key"}, {Kind: "caller", ID: "other", APIKey: "other-key"},
		{Kind: "service", ID: "svc", APIKey: "svc-key"}, {Kind: "service", ID: "other", APIKey: "othersvc-key"},
		{Kind: "admin", ID: "admin", APIKey: "admin-key"}}
	if o.allowShop != "" {
		keys[0].AllowAddrs = []netip.Prefix{netip.MustParsePrefix(o.allowShop)}
	}
	blobs := &filestore.Blobs{Dir: t.TempDir()}
	cfg := api.Config{Hub: h, Deliveries: d, Keys: keys, Blobs: blobs, MaxFileBytes: o.maxFile, RatePerCaller: o.rate, WriteTimeout: o.write, MaxBodyBytes: o.maxBody, PingInterval: o.ping, Logger: o.logger}
	if o.conns != nil {
		cfg.ReadTimeout, cfg.IdleTimeout, cfg.MaxConnsPerClient = o.conns.ReadTimeout, o.conns.IdleTimeout, o.conns.MaxConnsPerClient
	}
	srv := api.New(cfg)
	handler.Store(srv.Handler())
	if o.conns != nil {
		front.Close()
		serveLimited(t, srv, front.Listener.Addr().String())
	}
	t.Cleanup(func() { h.Close(); srv.Wait() })
	return &rig{t: t, URL: front.URL, Hub: h, svc: svc, blobs: blobs}
}

// serveLimited serves srv as the binary does, on addr (which it takes
// over from the rig's first server), until the test ends.
func serveLimited(t *testing.T, srv *api.Server, addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	hs := srv.HTTPServer(nil)
	hs.Handler = validated(t, hs.Handler)
	done := make(chan error, 1)
	go func() { done <- hs.Serve(srv.Listener(ln)) }()
	t.Cleanup(func() { hs.Close(); <-done })
}

// startDelivery runs a deliverer for shop's callbacks to base, or returns
// nil without a base.
func startDelivery(t *testing.T, base string) *callback.Deliverer {
	if base == "" {
		return nil
	}
	d, err := callback.New(callback.Config{Queue: &memstore.Queue{}, Health: &memstore.Health{}, Poll: 5 * time.Millisecond,
		MaxAttempts: 2, Schedule: []time.Duration{time.Millisecond},
		Callers: []callback.Caller{{ID: "shop", CallbackBase: base, WebhookSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}})
	if err != nil {
		t.Fatal(err)
	}
	hubtest.RunDeliverer(t, d)
	return d
}

// answer is any JSON envelope the hub sends.
type answer struct {
	Code       int             `json:"code"`
	Msg        string          `json:"msg"`
	CID        string          `json:"cid"`
	Seq        int             `json:"seq"`
	Status     int             `json:"status"`
	Data       json.RawMessage `json:"data"`
	WSToken    string          `json:"wsToken"`
	Offset     string          `json:"offset"`
	State      string          `json:"state"`
	Deliveries []struct {
		ID       string `json:"id"`
		Seq      int    `json:"seq"`
		State    string `json:"state"`
		Attempts int    `json:"attempts"`
	} `json:"deliveries"`
	Queued  int `json:"queued"`
	Replies []struct {
		Seq    int    `json:"seq"`
		Offset string `json:"offset"`
	} `json:"replies"`
}

// do sends method url with body (a string is sent as is, anything else as
// JSON) and bearer key, and decodes the answer.
func (r *rig) do(method, path, key string, body any) (int, answer) {
	r.t.Helper()
	status, raw := r.send(method, path, key, body)
	var a answer
	if err := json.Unmarshal(raw, &a); err != nil {
		r.t.Fatalf("%s %s: answer is not JSON: %q", method, path, raw)
	}
	return status, a
}

// send sends method url with body as do does and returns the status and
// the answer's bytes.
func (r *rig) send(method, path, key string, body any) (int, []byte) {
	r.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, r.URL+path, rd)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// async sends an async request for shop and returns the answer.
func (r *rig) async(extra map[string]any) answer {
	r.t.Helper()
	req := map[string]any{"serviceId": "svc", "method": "POST", "path": "/work", "async": true}
	for k, v := range extra {
		req[k] = v
	}
	status, a := r.do("POST", "/v1/requests", "shop-key", req)
	if status != http.StatusAccepted {
		r.t.Fatalf("async request = %d %+v", status, a)
	}
	return a
}

// replyToken is the Callhub-Reply-Token the service got last.
func (r *rig) replyToken() string {
	req, _ := r.svc.last()
	return req.Header.Get("Callhub-Reply-Token")
}

func (r *rig) reply(cid, token string, body map[string]any) (int, answer) {
	r.t.Helper()
	return r.do("POST", "/v1/replies/"+cid, token, body)
}

// frame is any hub → client WebSocket frame.
type frame struct {
	Type      string          `json:"type"`
	CID       string          `json:"cid"`
	Caller    string          `json:"caller"`
	Seq       int             `json:"seq"`
	IsEnd     bool            `json:"isEnd"`
	Offset    string          `json:"offset"`
	Recovered int             `json:"recovered"`
	Code      int             `json:"code"`
	Msg       string          `json:"msg"`
	Data      json.RawMessage `json:"data"`
}

func (r *rig) dial(query, key string) *websocket.Conn {
	r.t.Helper()
	return r.dialWith(query, key, &websocket.DialOptions{})
}

// dialWith is dial with the client's options opts.
func (r *rig) dialWith(query, key string, opts *websocket.DialOptions) *websocket.Conn {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts.HTTPHeader = http.Header{}
	if key != "" {
		opts.HTTPHeader.Set("Authorization", "Bearer "+key)
	}
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(r.URL, "http")+"/v1/ws?"+query, opts)
	if err != nil {
		r.t.Fatalf("dial ws?%s: %v", query, err)
	}
	conn.SetReadLimit(1 << 24)
	r.t.Cleanup(func() { conn.CloseNow() })
	return conn
}

func readFrame(t *testing.T, conn *websocket.Conn) frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var f frame
	if err := wsjson.Read(ctx, conn, &f); err != nil {
		t.Fatalf("read frame: %v", err)
	}
	return f
}

func send(t *testing.T, conn *websocket.Conn, v any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := wsjson.Write(ctx, conn, v); err != nil {
		t.Fatalf("write frame: %v", err)
	}
}

func readJSON(t *testing.T, conn *websocket.Conn, v any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := wsjson.Read(ctx, conn, v); err != nil {
		t.Fatalf("read frame: %v", err)
	}
}
