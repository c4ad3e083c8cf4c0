package api_test

import (
	"testing"
	"time"

	"github.com/callhub/callhub/api"
	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/hubtest"
	"github.com/callhub/callhub/hub/memstore"
)

// newWiredRig is newRig with callback delivery to hooks (shop's
// callbackBase) and a wire func that may change the hub's, the
// deliverer's and the server's config before they start, as main does
// when it plugs in metrics and tracing.
func newWiredRig(t *testing.T, hooks string, wire func(*hub.Config, *callback.Config, *api.Config)) *rig {
	t.Helper()
	svc, front, handler := startFront(t)
	hcfg := hub.Config{Store: &memstore.Store{}, Broker: &memstore.Broker{}, Secret: []byte("test"),
		Services: []hub.Service{{ID: "svc", BaseURL: svc.srv.URL}}, PublicURL: front.URL}
	dcfg := callback.Config{Queue: &memstore.Queue{}, Health: &memstore.Health{}, Poll: 5 * time.Millisecond,
		MaxAttempts: 2, Schedule: []time.Duration{time.Millisecond}, Callers: []callback.Caller{{ID: "shop", CallbackBase: hooks}}}
	acfg := api.Config{Keys: []api.Key{{Kind: "caller", ID: "shop", APIKey: "shop-key"},
		{Kind: "service", ID: "svc", APIKey: "svc-key"}, {Kind: "admin", ID: "admin", APIKey: "admin-key"}}}
	wire(&hcfg, &dcfg, &acfg)
	d, err := callback.New(dcfg)
	if err != nil {
		t.Fatal(err)
	}
	hcfg.Deliveries = d
	h, err := hub.New(hcfg)
	if err != nil {
		t.Fatal(err)
	}
	acfg.Hub, acfg.Deliveries = h, d
	srv := api.New(acfg)
	handler.Store(srv.Handler())
	t.Cleanup(func() { h.Close(); srv.Wait() })
	hubtest.RunDeliverer(t, d) // stopped before the cleanup above (LIFO)
	return &rig{t: t, URL: front.URL, Hub: h, svc: svc}
}
