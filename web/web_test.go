package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/api"
	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/demo"
	"github.com/callhub/callhub/web"
	"github.com/chromedp/chromedp"
)

// devHub runs a dev-mode hub with the demo service and the UI.
func devHub(t *testing.T) string {
	t.Helper()
	var handler atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.Load().(http.Handler).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	h, err := hub.New(hub.Config{Store: &hub.MemoryStore{}, Broker: &hub.MemoryBroker{}, Secret: []byte("x"),
		Services: []hub.Service{{ID: "echo", BaseURL: srv.URL + "/demo"}}, PublicURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	d := &demo.Service{}
	a := api.New(api.Config{Hub: h, Dev: true, UI: web.Handler(), Demo: d})
	handler.Store(a.Handler())
	t.Cleanup(func() { d.Close(); h.Close(); a.Wait() })
	return srv.URL
}

// browser starts headless Chromium, or skips loudly (fails under CI=true).
func browser(t *testing.T) context.Context {
	t.Helper()
	var bin string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		msg := "CHROMIUM NOT INSTALLED: skipping a browser test (apt-get install chromium)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// TestPlaygroundAsync: the UI sends an async request to the demo service
// and lists its three replies as they arrive.
func TestPlaygroundAsync(t *testing.T) {
	url := devHub(t)
	ctx := browser(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(url+"/"),
		chromedp.WaitVisible(chromedp.ID("send")),
		chromedp.SetValue(chromedp.ID("path"), "/async?replies=3&delayMs=50"),
		chromedp.Click(chromedp.ID("send")),
	)
	if err != nil {
		t.Fatal(err)
	}
	seqs, err := chromedp.Run(ctx, chromedp.Poll[string](
		`document.querySelectorAll("#replies tr").length === 3 && document.querySelector("#replies tr:last-child").className === "end" &&
		 [...document.querySelectorAll("#replies tr")].map(r => r.dataset.seq).join(",")`))
	if err != nil {
		t.Fatalf("replies never listed: %v", err)
	}
	if seqs != "1,2,3" {
		t.Errorf("listed seqs %q, want 1,2,3", seqs)
	}
}

// TestClientResumes: the JS client's socket is dropped mid-stream; it
// reconnects with since and still lists every reply once.
func TestClientResumes(t *testing.T) {
	url := devHub(t)
	ctx := browser(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(url+"/"),
		chromedp.WaitVisible(chromedp.ID("send")),
		chromedp.SetValue(chromedp.ID("path"), "/async?replies=5&delayMs=150"),
		chromedp.Click(chromedp.ID("send")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll("#replies tr").length >= 1`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.callhubClient.ws.close(); true`)); err != nil {
		t.Fatal(err)
	}
	seqs, err := chromedp.Run(ctx, chromedp.Poll[string](
		`document.querySelectorAll("#replies tr").length >= 5 && [...document.querySelectorAll("#replies tr")].map(r => r.dataset.seq).join(",")`))
	if err != nil {
		t.Fatalf("replies after reconnect: %v", err)
	}
	if seqs != "1,2,3,4,5" {
		t.Errorf("listed seqs %q after a reconnect, want 1,2,3,4,5 once each", seqs)
	}
}
