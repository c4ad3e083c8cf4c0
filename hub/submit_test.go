package hub_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
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
