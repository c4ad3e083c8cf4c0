package web_test

import (
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/api"
	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/memstore"
	"github.com/callhub/callhub/web"
	"github.com/chromedp/chromedp"
)

// consoleHub is a hub with an admin key and the console at /, a service
// that accepts every request, and shop's callback receiver, which fails
// until up is set.
type consoleHub struct {
	URL string
	up  atomic.Bool
	hub *hub.Hub
}

func newConsoleHub(t *testing.T) *consoleHub { t.Helper(); return newConsoleHubAt(t, time.Now) }

// newConsoleHubAt is newConsoleHub on the clock now (its store, hub and
// deliverer), whose deliverer skips what subscribers acknowledged.
func newConsoleHubAt(t *testing.T, now func() time.Time) *consoleHub {
	t.Helper()
	ch := &consoleHub{}
	store := &memstore.Store{Now: now}
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	}))
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if !ch.up.Load() {
			http.Error(w, "receiver down for maintenance", http.StatusServiceUnavailable)
		}
	}))
	d, err := callback.New(callback.Config{Queue: &memstore.Queue{}, Health: &memstore.Health{}, Poll: 10 * time.Millisecond,
		MaxAttempts: 2, Schedule: []time.Duration{time.Millisecond}, Now: now, Acks: store,
		Callers: []callback.Caller{{ID: "shop", CallbackBase: hooks.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	ch.URL = "http://" + srv.Listener.Addr().String()
	h, err := hub.New(hub.Config{Store: store, Broker: &memstore.Broker{}, Secret: []byte("x"), Deliveries: d,
		Services: []hub.Service{{ID: "billing", BaseURL: svc.URL}}, PublicURL: ch.URL, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	a := api.New(api.Config{Hub: h, Deliveries: d, UI: web.Console(), Keys: []api.Key{
		{Kind: "caller", ID: "shop", APIKey: "shop-key"}, {Kind: "service", ID: "billing", APIKey: "svc-key"},
		{Kind: "admin", ID: "admin", APIKey: "admin-key"}}})
	ch.hub = h
	srv.Config.Handler = a.Handler()
	srv.Start()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		h.Close()
		a.Wait()
		srv.Close()
		svc.Close()
		hooks.Close()
	})
	return ch
}

// post sends a JSON body with a bearer key and returns the answer's cid.
func (ch *consoleHub) post(t *testing.T, path, key, body string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", ch.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a struct{ CID, Msg string }
	json.NewDecoder(resp.Body).Decode(&a)
	if resp.StatusCode >= 300 {
		t.Fatalf("POST %s = %d %s", path, resp.StatusCode, a.Msg)
	}
	return a.CID
}

// TestConsole: sign in with the admin key, see a request appear live,
// follow its reply on the live tail, open its detail with the failed
// attempts, retry the dead delivery and watch it become delivered. It
// saves screenshots at 1280 and 390 px wide into docs/img.
func TestConsole(t *testing.T) {
	ch := newConsoleHub(t)
	ctx := openBrowser(t, ch.URL+"/", "signin-btn")
	do(t, ctx, "sign in with a caller key", chromedp.SetValue(chromedp.ID("key"), "shop-key"), chromedp.Click(chromedp.ID("signin-btn")))
	run(t, ctx, "refused", chromedp.Poll[bool](`document.querySelector("#signin-error").textContent.includes("not the admin key")`))
	do(t, ctx, "sign in", chromedp.SetValue(chromedp.ID("key"), "admin-key"), chromedp.Click(chromedp.ID("signin-btn")))
	run(t, ctx, "overview", chromedp.Poll[bool](`!document.querySelector("#view-overview").hidden && document.querySelectorAll("#stats-rates tr").length === 2`))
	stored := run(t, ctx, "key storage", chromedp.Evaluate[string](`sessionStorage.getItem("callhub.adminKey") + "|" + document.cookie`))
	if stored != "admin-key|" {
		t.Errorf("session storage and cookies = %q, want the key in sessionStorage only", stored)
	}
	do(t, ctx, "follow shop", chromedp.Navigate(ch.URL+"/#tail"), chromedp.SetValue(chromedp.ID("tail-target"), "shop"),
		chromedp.Click(chromedp.ID("tail-start")))
	run(t, ctx, "tail open", chromedp.Poll[bool](`document.querySelector("#tail-state").textContent === "open"`))
	do(t, ctx, "requests view", chromedp.Click(chromedp.CSS(`nav a[data-view="requests"]`)))
	cid := ch.post(t, "/v1/requests", "shop-key", `{"serviceId":"billing","path":"/charge","async":true,"callback":{"url":"/hooks"}}`)
	run(t, ctx, "the request appears live", chromedp.Poll[bool](`!!document.querySelector('#requests tr[data-cid="`+cid+`"][data-state="pending"]')`))
	ch.post(t, "/v1/replies/"+cid, "svc-key", `{"seq":1,"data":{"charged":true,"amount":42}}`)
	run(t, ctx, "the request is completed", chromedp.Poll[bool](`!!document.querySelector('#requests tr[data-cid="`+cid+`"][data-state="completed"]')`))
	shoot(t, ctx, "console-requests")
	do(t, ctx, "tail", chromedp.Click(chromedp.CSS(`nav a[data-view="tail"]`)))
	run(t, ctx, "the reply on the tail", chromedp.Poll[bool](`!!document.querySelector('#tail tr[data-cid="`+cid+`"][data-seq="1"]')`))
	do(t, ctx, "requests again", chromedp.Click(chromedp.CSS(`nav a[data-view="requests"]`)))
	// The list re-renders as it refreshes: find and click the row in one
	// step, so the click never lands on a node that was just replaced.
	run(t, ctx, "open the request", clickWhenThere(`#requests tr[data-cid="`+cid+`"] a`))
	attempts := run(t, ctx, "detail with a dead delivery", chromedp.Poll[string](
		`document.querySelector('#detail-deliveries .delivery[data-state="dead"]') &&
		 document.querySelector("#detail-replies tr") &&
		 [...document.querySelectorAll("#detail-deliveries tbody tr")].map(r => r.textContent).join("§")`))
	if rows := strings.Split(attempts, "§"); len(rows) != 2 || strings.Count(attempts, "HTTP 503 receiver down for maintenance") != 2 {
		t.Errorf("attempts shown:\n%s\nwant two 503 attempts with the receiver's answer", attempts)
	}
	shoot(t, ctx, "console-request")
	ch.up.Store(true)
	do(t, ctx, "deliveries view", chromedp.Click(chromedp.CSS(`nav a[data-view="deliveries"]`)))
	run(t, ctx, "dead delivery listed", chromedp.Poll[bool](`!!document.querySelector('#deliveries tr[data-id="`+cid+`.1"] button.retry')`))
	shoot(t, ctx, "console-deliveries")
	run(t, ctx, "retry it", clickWhenThere(`#deliveries tr[data-id="`+cid+`.1"] button.retry`))
	do(t, ctx, "show every state", chromedp.SetValue(chromedp.ID("dl-state"), ""), chromedp.Click(chromedp.CSS(`#dl-filter button`)))
	run(t, ctx, "delivered", chromedp.Poll[bool](`!!document.querySelector('#deliveries tr[data-id="`+cid+`.1"][data-state="delivered"]')`))
	do(t, ctx, "endpoints view", chromedp.Click(chromedp.CSS(`nav a[data-view="endpoints"]`)))
	run(t, ctx, "endpoint listed", chromedp.Poll[bool](`!!document.querySelector('#endpoints tr[data-state="enabled"]')`))
	do(t, ctx, "overview", chromedp.Click(chromedp.CSS(`nav a[data-view="overview"]`)))
	run(t, ctx, "counts", chromedp.Poll[bool](`document.querySelector("#stats-deliveries").textContent.includes("delivered1")`))
	shoot(t, ctx, "console-overview")
}

// shoot saves screenshots of the page at 1280 and 390 px wide as
// docs/img/<name>-1280.png and -390.png.
//
// They are taken on every run (so the layout at both widths is exercised)
// and written into docs/img with -update-screenshots, else into a
// temporary directory, so a test run leaves the tree as it was.
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := filepath.Join("..", "docs", "img")
	if !*updateScreenshots {
		dir = t.TempDir()
	}
	for _, w := range []int64{1280, 390} {
		do(t, ctx, "resize", chromedp.EmulateViewport(w, 800))
		png := run(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
		path := filepath.Join(dir, name+"-"+strconv.FormatInt(w, 10)+".png")
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	do(t, ctx, "resize", chromedp.EmulateViewport(1280, 800))
}

var updateScreenshots = flag.Bool("update-screenshots", false, "write the console's screenshots into docs/img")

// clickWhenThere polls until selector matches, then clicks it in the
// same evaluation.
func clickWhenThere(selector string) chromedp.Action[bool] {
	sel, _ := json.Marshal(selector)
	return chromedp.Poll[bool](`(() => { const e = document.querySelector(` + string(sel) + `); if (!e) return false; e.click(); return true })()`)
}
