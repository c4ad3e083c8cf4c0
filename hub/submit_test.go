package hub_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/memstore"
)

// TestStaleStepForwardedAgain: a step reserved by a forward that died
// (an instance crashed) is free again after its timeout; a fresh one is
// not.
func TestStaleStepForwardedAgain(t *testing.T) {
	var hits atomic.Int32
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer svc.Close()
	store := &memstore.Store{}
	h, _ := hub.New(hub.Config{Store: store, Broker: &memstore.Broker{}, Secret: []byte("k"),
		Services: []hub.Service{{ID: "s", BaseURL: svc.URL, Timeout: time.Second}}})
	defer h.Close()
	ctx := context.Background()
	store.CreateRequest(ctx, hub.Record{CID: "c", Caller: "shop", ServiceID: "s", CreatedAt: time.Now()})
	store.BeginStep(ctx, "c", hub.Step{Seq: 1, At: time.Now()})
	store.BeginStep(ctx, "c", hub.Step{Seq: 2, At: time.Now().Add(-time.Hour)})
	req := func(seq int) hub.Request {
		return hub.Request{CID: "c", ServiceID: "s", Path: "/x", Seq: seq, Caller: "shop"}
	}
	if _, err := h.Submit(ctx, req(1)); !errors.Is(err, hub.ErrConflict) {
		t.Errorf("step being forwarded = %v, want ErrConflict", err)
	}
	if _, err := h.Submit(ctx, req(2)); err != nil || hits.Load() != 1 {
		t.Errorf("stale step = %v after %d forwards, want forwarded again", err, hits.Load())
	}
}

// TestForwardsReuseConnections: requests forwarded at once to one
// service, round after round, reuse the connections of the round before
// instead of dialing new ones (net/http's default keeps two per host).
func TestForwardsReuseConnections(t *testing.T) {
	const conc, rounds = 16, 4
	var dialed atomic.Int32
	var arrived sync.WaitGroup
	svc := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		arrived.Done()
		arrived.Wait() // the round's requests are all in flight at once
	}))
	svc.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dialed.Add(1)
		}
	}
	svc.Start()
	defer svc.Close()
	h, _ := hub.New(hub.Config{Store: &memstore.Store{}, Broker: &memstore.Broker{}, Secret: []byte("k"),
		Services: []hub.Service{{ID: "s", BaseURL: svc.URL, Timeout: 10 * time.Second}}})
	defer h.Close()
	for range rounds {
		arrived.Add(conc)
		var wg sync.WaitGroup
		for range conc {
			wg.Go(func() {
				if _, err := h.Submit(context.Background(), hub.Request{ServiceID: "s", Path: "/x", Caller: "shop"}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	if n := dialed.Load(); n > conc+conc/2 {
		t.Errorf("%d rounds of %d requests at once dialed %d connections, want about %d", rounds, conc, n, conc)
	}
}
