package hub_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/memstore"
	"github.com/callhub/callhub/internal/testwait"
)

// standingClock is a hub clock that stands still unless a test moves it.
type standingClock struct{ off atomic.Int64 }

// breakerEpoch is where every clock starts.
var breakerEpoch = time.Now()

func (c *standingClock) now() time.Time          { return breakerEpoch.Add(time.Duration(c.off.Load())) }
func (c *standingClock) advance(d time.Duration) { c.off.Add(int64(d)) }

// downService is a service that answers status until told otherwise, and
// counts what reaches it.
type downService struct {
	status atomic.Int32
	hits   atomic.Int32
	hold   atomic.Bool // while set, each request waits for gate to close
	gate   chan struct{}
}

func (f *downService) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	f.hits.Add(1)
	if f.hold.Load() {
		<-f.gate
	}
	w.WriteHeader(int(f.status.Load()))
}

// breakerHub is a hub whose service s has a breaker of 2 failures and a
// 30s cooldown, on clk.
func breakerHub(t *testing.T, f *downService, clk *standingClock) *hub.Hub {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	h, err := hub.New(hub.Config{Store: &memstore.Store{}, Broker: &memstore.Broker{}, Secret: []byte("k"), Now: clk.now,
		Services: []hub.Service{{ID: "s", BaseURL: srv.URL, Breaker: hub.Breaker{Failures: 2, Cooldown: 30 * time.Second}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

func breakerReq(async bool) hub.Request {
	return hub.Request{ServiceID: "s", Path: "/x", Caller: "shop", Async: async}
}

// TestBreakerRefusesEveryKind: once open, sync and async requests,
// uploads and downloads are refused without reaching the service, and
// nothing is stored for them; a retry of a step forwarded before still
// gets its stored outcome.
func TestBreakerRefusesEveryKind(t *testing.T) {
	f := &downService{}
	f.status.Store(503)
	clk := &standingClock{}
	h := breakerHub(t, f, clk)
	ctx := context.Background()
	for _, cid := range []string{"f1", "f2"} {
		r := breakerReq(false)
		r.CID = cid
		if out, err := h.Submit(ctx, r); err != nil || out.Status != 503 {
			t.Fatalf("forward to a failing service = %d, %v; want its 503", out.Status, err)
		}
	}
	upload := filepath.Join(t.TempDir(), "up")
	os.WriteFile(upload, []byte("file"), 0o600)
	refused := map[string]func() error{
		"sync":  func() error { _, err := h.Submit(ctx, breakerReq(false)); return err },
		"async": func() error { _, err := h.Submit(ctx, breakerReq(true)); return err },
		"upload": func() error {
			r := breakerReq(true)
			r.Method, r.Upload = "POST", &hub.Upload{Path: upload, Name: "up"}
			_, err := h.Submit(ctx, r)
			return err
		},
		"download": func() error {
			r := breakerReq(false)
			r.Download = true
			_, _, err := h.Fetch(ctx, r)
			return err
		},
		"known cid": func() error { r := breakerReq(false); r.CID = "c1"; _, err := h.Submit(ctx, r); return err },
	}
	for name, send := range refused {
		var oe *hub.OpenError
		if err := send(); !errors.As(err, &oe) || oe.ServiceID != "s" || oe.Seconds() != 30 {
			t.Errorf("%s request to an open breaker = %v, want an OpenError for s, retry in 30s", name, err)
		}
	}
	retry := breakerReq(false)
	retry.CID = "f2"
	if out, err := h.Submit(ctx, retry); err != nil || out.Status != 503 || out.CID != "f2" {
		t.Errorf("retry of a forwarded step while open = %+v, %v; want its stored outcome", out, err)
	}
	if n := f.hits.Load(); n != 2 {
		t.Errorf("the service received %d requests, want the 2 before the breaker opened", n)
	}
	if _, err := h.Record(ctx, hub.Principal{Kind: "admin"}, "c1"); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("record of a refused request = %v, want none stored", err)
	}
	clk.advance(20 * time.Second)
	if st := h.Services()[0]; st.Breaker != hub.BreakerOpen || st.Failures != 2 || !st.OpenUntil.After(clk.now()) || st.Opens != 1 {
		t.Errorf("services = %+v, want s open with 2 failures, opened once", st)
	}
}

// TestBreakerProbe: after the cooldown exactly one of many concurrent
// requests reaches the service; the others are refused while it is in
// flight. Its failure reopens the breaker; a later probe's success
// closes it.
func TestBreakerProbe(t *testing.T) {
	f := &downService{gate: make(chan struct{})}
	f.status.Store(502)
	clk := &standingClock{}
	h := breakerHub(t, f, clk)
	ctx := context.Background()
	for range 2 {
		h.Submit(ctx, breakerReq(false))
	}
	f.hold.Store(true)
	clk.advance(30 * time.Second)
	var wg sync.WaitGroup
	var refusals atomic.Int32
	for range 8 {
		wg.Go(func() {
			if _, err := h.Submit(ctx, breakerReq(false)); errors.Is(err, hub.ErrBreakerOpen) {
				refusals.Add(1)
			}
		})
	}
	testwait.Until(t, "the probe in flight and the others refused", func() bool {
		return f.hits.Load() == 3 && refusals.Load() == 7
	})
	if st := h.Services()[0]; st.Breaker != hub.BreakerHalfOpen || !st.OpenUntil.IsZero() {
		t.Errorf("during the probe: %+v, want half-open without openUntil", st)
	}
	close(f.gate)
	wg.Wait()
	if st := h.Services()[0]; st.Breaker != hub.BreakerOpen || st.Failures != 3 || st.Opens != 2 {
		t.Fatalf("after a failed probe: %+v, want open again, 3 failures, opened twice", st)
	}
	f.status.Store(200)
	clk.advance(30 * time.Second)
	if out, err := h.Submit(ctx, breakerReq(false)); err != nil || out.Status != 200 {
		t.Fatalf("probe = %d, %v; want forwarded", out.Status, err)
	}
	if st := h.Services()[0]; st.Breaker != hub.BreakerClosed || st.Failures != 0 {
		t.Errorf("after a good probe: %+v, want closed with no failures", st)
	}
	if n := f.hits.Load(); n != 4 {
		t.Errorf("the service received %d requests, want 4", n)
	}
}

// TestNewChecksBreakers: New refuses a breaker without a cooldown or with
// a negative threshold, naming the service.
func TestNewChecksBreakers(t *testing.T) {
	for _, b := range []hub.Breaker{{Failures: 3}, {Failures: -1, Cooldown: time.Second}} {
		_, err := hub.New(hub.Config{Store: &memstore.Store{}, Broker: &memstore.Broker{}, Secret: []byte("k"),
			Services: []hub.Service{{ID: "pay", BaseURL: "http://127.0.0.1:9", Breaker: b}}})
		if err == nil || !strings.Contains(err.Error(), "service pay") {
			t.Errorf("New with breaker %+v = %v, want an error naming service pay", b, err)
		}
	}
}
