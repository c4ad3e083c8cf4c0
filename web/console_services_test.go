package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/api"
	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/memstore"
	"github.com/callhub/callhub/web"
	"github.com/chromedp/chromedp"
)

// TestConsoleServices: the services view lists each service with its
// breaker, and shows a breaker open, with until when, once the service
// failed, then closed again after a good probe.
func TestConsoleServices(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(svc.Close)
	var off atomic.Int64 // the hub's clock, moved past the cooldown by hand
	h, err := hub.New(hub.Config{Store: &memstore.Store{}, Broker: &memstore.Broker{}, Secret: []byte("x"),
		Now: func() time.Time { return time.Now().Add(time.Duration(off.Load())) },
		Services: []hub.Service{{ID: "billing", BaseURL: svc.URL, Breaker: hub.Breaker{Failures: 1, Cooldown: time.Minute}},
			{ID: "search", BaseURL: svc.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	a := api.New(api.Config{Hub: h, UI: web.Console(), Keys: []api.Key{
		{Kind: "caller", ID: "shop", APIKey: "shop-key"}, {Kind: "admin", ID: "admin", APIKey: "admin-key"}}})
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() { srv.Close(); h.Close(); a.Wait() })
	send := func() { // a sync request to billing; its answer, or refusal, does not matter here
		req, _ := http.NewRequest("POST", srv.URL+"/v1/requests", strings.NewReader(`{"serviceId":"billing","path":"/charge"}`))
		req.Header.Set("Authorization", "Bearer shop-key")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	ctx := openBrowser(t, srv.URL+"/", "signin-btn")
	do(t, ctx, "sign in", chromedp.SetValue(chromedp.ID("key"), "admin-key"), chromedp.Click(chromedp.ID("signin-btn")))
	do(t, ctx, "services view", chromedp.Click(chromedp.CSS(`nav a[data-view="services"]`)))
	run(t, ctx, "both closed", chromedp.Poll[bool](`!!document.querySelector('#services tr[data-id="billing"][data-breaker="closed"]') &&
		!!document.querySelector('#services tr[data-id="search"][data-breaker="closed"]')`))
	send()
	row := run(t, ctx, "billing open", chromedp.Poll[string](
		`(document.querySelector('#services tr[data-id="billing"][data-breaker="open"]') || {}).textContent`))
	if !strings.Contains(row, svc.URL) || !strings.Contains(row, "open1") || strings.HasSuffix(row, "—") {
		t.Errorf("billing's row = %q, want its base URL, open, 1 failure and until when", row)
	}
	shoot(t, ctx, "console-services")
	down.Store(false)
	off.Add(int64(time.Minute))
	send() // the probe, answered: the breaker closes
	run(t, ctx, "billing closed again", chromedp.Poll[bool](`!!document.querySelector('#services tr[data-id="billing"][data-breaker="closed"]')`))
}
