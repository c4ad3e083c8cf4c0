package hub_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/memstore"
)

// TestFetchCallerGone: a download whose caller goes away while the
// service works ends with the caller's context.Canceled, not as a
// failure of the service.
func TestFetchCallerGone(t *testing.T) {
	arrived := make(chan struct{})
	svc := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
	}))
	defer svc.Close()
	h, _ := hub.New(hub.Config{Store: &memstore.Store{}, Broker: &memstore.Broker{}, Secret: []byte("k"),
		Services: []hub.Service{{ID: "s", BaseURL: svc.URL, Timeout: time.Minute}}})
	defer h.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-arrived
		cancel()
	}()
	resp, _, err := h.Fetch(ctx, hub.Request{ServiceID: "s", Path: "/x", Download: true, Caller: "shop"})
	if err == nil {
		resp.Body.Close()
	}
	if !errors.Is(err, context.Canceled) || errors.Is(err, hub.ErrBadGateway) || errors.Is(err, hub.ErrTimeout) {
		t.Errorf("Fetch with its caller gone = %v, want context.Canceled", err)
	}
}
