package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callhub/callhub/api"
	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/demo"
	"github.com/callhub/callhub/hub/memstore"
	"github.com/callhub/callhub/web"
	"github.com/chromedp/chromedp"
)

// TestHandler serves the page and its assets with types a browser accepts
// for an ES module under nosniff, and refuses writes.
func TestHandler(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(web.Handler())
	t.Cleanup(srv.Close)
	tests := []struct {
		method, path string
		status       int
		ctype, body  string
	}{
		{"GET", "/", 200, "text/html", `id="replies"`},
		{"GET", "/app.js", 200, "text/javascript", `from "./callhub.js"`},
		{"GET", "/callhub.js", 200, "text/javascript", "export class CallHub"},
		{"GET", "/style.css", 200, "text/css", "--accent"},
		{"GET", "/nope.js", 404, "", ""},
		{"GET", "/%ff", 404, "", ""}, // not UTF-8: no such file, not an internal error
		{"GET", "/static/%c0%af", 404, "", ""},
		{"HEAD", "/a%ffb.js", 404, "", ""},
		{"POST", "/", 405, "", ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s status = %d, want %d", tt.method, tt.path, resp.StatusCode, tt.status)
		}
		if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, tt.ctype) {
			t.Errorf("%s %s Content-Type = %q, want %s", tt.method, tt.path, got, tt.ctype)
		}
		if !strings.Contains(string(body), tt.body) {
			t.Errorf("%s %s body lacks %q", tt.method, tt.path, tt.body)
		}
	}
}

// TestPlaygroundAsync: the UI sends an async request to the demo service
// and lists its three replies as they arrive.
func TestPlaygroundAsync(t *testing.T) {
	t.Parallel()
	ctx := openPlayground(t, devHub(t))
	do(t, ctx, "send", chromedp.SetValue(chromedp.ID("path"), "/async?replies=3&delayMs=50"),
		chromedp.Click(chromedp.ID("send")))
	seqs := run(t, ctx, "wait for 3 replies, the last one the end", chromedp.Poll[string](
		`document.querySelectorAll("#replies tr").length >= 3 &&
		 document.querySelector("#replies tr:last-child").classList.contains("end") &&
		 [...document.querySelectorAll("#replies tr")].map(r => r.dataset.seq).join(",")`))
	if seqs != "1,2,3" {
		t.Errorf("listed seqs %q, want 1,2,3", seqs)
	}
	answer := run(t, ctx, "read #answer", chromedp.TextContent(chromedp.ID("answer")))
	if !strings.Contains(answer, `"wsToken"`) || !strings.Contains(answer, `"accepted"`) {
		t.Errorf("#answer = %s, want the 202 envelope with a wsToken", answer)
	}
	// After the end reply the client has nothing to follow and lets go of its socket.
	run(t, ctx, "wait for #state idle", chromedp.Poll[bool](`document.querySelector("#state").dataset.state === "idle"`))
}

// TestPlaygroundSync: a sync request shows the service's answer, the form
// fields included, and lists no replies.
func TestPlaygroundSync(t *testing.T) {
	t.Parallel()
	ctx := openPlayground(t, devHub(t))
	do(t, ctx, "send", chromedp.SetValue(chromedp.ID("method"), "GET"),
		chromedp.SetValue(chromedp.ID("path"), "/echo"), chromedp.Click(chromedp.ID("async")),
		chromedp.Click(chromedp.ID("send")))
	answer := run(t, ctx, "wait for the answer", chromedp.Poll[string](
		`document.querySelector("#status").textContent === "ok" && document.querySelector("#answer").textContent`))
	for _, want := range []string{`"path": "/echo"`, `"hello": [`, `"method": "GET"`} {
		if !strings.Contains(answer, want) {
			t.Errorf("#answer lacks %s:\n%s", want, answer)
		}
	}
	n := run(t, ctx, "count replies", chromedp.Evaluate[int](`document.querySelectorAll("#replies tr").length`))
	if n != 0 {
		t.Errorf("a sync request listed %d replies, want none", n)
	}
}

// TestClientResumes: the client's socket drops mid-stream; it reconnects,
// resubscribes with since, and lists every reply exactly once.
func TestClientResumes(t *testing.T) {
	t.Parallel()
	ctx := openPlayground(t, devHub(t))
	// A second between replies: the socket is dropped mid-stream even
	// on a busy machine, not after the end reply closed it.
	do(t, ctx, "send", chromedp.SetValue(chromedp.ID("path"), "/async?replies=4&delayMs=1000"),
		chromedp.Click(chromedp.ID("send")))
	run(t, ctx, "wait for the first reply", chromedp.Poll[bool](`document.querySelectorAll("#replies tr").length >= 1`))
	run(t, ctx, "drop the socket", chromedp.Evaluate[bool](`window.callhubClient.ws.close(); true`))
	seqs := run(t, ctx, "wait for the end reply", chromedp.Poll[string](
		`document.querySelector("#replies tr.end") &&
		 [...document.querySelectorAll("#replies tr")].map(r => r.dataset.seq).join(",")`))
	if seqs != "1,2,3,4" {
		t.Errorf("listed seqs %q after a reconnect, want 1,2,3,4 once each", seqs)
	}
	events := run(t, ctx, "read the connection log", chromedp.Evaluate[string](
		`[...document.querySelectorAll("#log li")].map(li => li.dataset.event).join(",")`))
	if !strings.Contains(events, "open,reconnecting,open") {
		t.Errorf("connection log %q, want open,reconnecting,open", events)
	}
}

// TestClientSince: a second client that subscribes with since = the first
// reply's offset gets the later replies only, from the store.
func TestClientSince(t *testing.T) {
	t.Parallel()
	ctx := openPlayground(t, devHub(t))
	do(t, ctx, "send", chromedp.SetValue(chromedp.ID("path"), "/async?replies=3&delayMs=20"),
		chromedp.Click(chromedp.ID("send")))
	run(t, ctx, "wait for the end reply", chromedp.Poll[bool](`!!document.querySelector("#replies tr.end")`))
	got := run(t, ctx, "resubscribe with since", chromedp.Evaluate[string](`new Promise((resolve, reject) => {
		const ans = JSON.parse(document.querySelector("#answer").textContent);
		const since = document.querySelector("#replies tr").dataset.offset;
		const seqs = [], c = new window.CallHub(location.origin);
		c.subscribe(ans.cid, { token: ans.wsToken, since, onError: (e) => reject(e.msg),
			onReply: (r) => { seqs.push(r.seq); if (r.isEnd) { c.close(); resolve(seqs.join(",")); } } });
	})`, chromedp.EvalAwaitPromise))
	if got != "2,3" {
		t.Errorf("replies after the first one's offset: %q, want 2,3", got)
	}
}

// TestClientDedupe feeds the client frames straight from a table: replies
// not newer than the last seen, by numeric offset order, are dropped. A
// since that is no offset is refused.
func TestClientDedupe(t *testing.T) {
	t.Parallel()
	ctx := openPlayground(t, devHub(t))
	got := run(t, ctx, "feed frames", chromedp.Evaluate[string](`(async () => {
		const { CallHub, newer } = await import("/callhub.js");
		const c = new CallHub(location.origin), seqs = [], nop = () => {};
		c.subs.set("c1", { since: "", onReply: (r) => seqs.push(r.seq), onState: nop, onError: nop });
		const offsets = ["5-0", "5-0", "4-9", "5-1", "10-0", "10-0", "9-7",
			"18446744073709551615-0", "18446744073709551615-1", "18446744073709551615-1"];
		offsets.forEach((offset, i) => c.receive({ type: "reply", cid: "c1", seq: i, offset }));
		c.receive({ type: "reply", cid: "other", seq: 99, offset: "99-0" });
		let threw = false;
		try { c.subscribe("c2", { since: "bad" }); } catch (e) { threw = e instanceof TypeError; }
		return seqs.join(",") + (newer("1-0", "") ? "" : " newer(x, \"\") is false") +
			(threw ? "" : " since \"bad\" accepted");
	})()`, chromedp.EvalAwaitPromise))
	if want := "0,3,4,7,8"; got != want {
		t.Errorf("replies passed on: %s, want %s", got, want)
	}
}

// devHub runs a dev-mode hub with the demo service and the UI, and
// returns its URL.
func devHub(t *testing.T) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	url := "http://" + srv.Listener.Addr().String() // known before Start, so the hub can hand it to services
	h, err := hub.New(hub.Config{Open: true, Store: &memstore.Store{}, Broker: &memstore.Broker{}, Secret: []byte("x"),
		Services: []hub.Service{{ID: "echo", BaseURL: url + "/demo"}}, PublicURL: url})
	if err != nil {
		t.Fatal(err)
	}
	demoSvc := &demo.Service{}
	a := api.New(api.Config{Hub: h, UI: web.Handler(), Demo: demoSvc})
	srv.Config.Handler = a.Handler()
	srv.Start()
	t.Cleanup(func() { demoSvc.Close(); h.Close(); a.Wait(); srv.Close() })
	return url
}

// openPlayground opens the playground of the hub at url (see openBrowser).
func openPlayground(t *testing.T, url string) context.Context {
	t.Helper()
	return openBrowser(t, url+"/", "send")
}

// openBrowser starts headless Chromium on page and waits for the element
// with id ready, or skips loudly when there is no Chromium (fails under
// CI=true). Every action on the returned context ends within 30s; an
// exception in the page fails the test.
func openBrowser(t *testing.T, page, ready string) context.Context {
	t.Helper()
	bin := chromium()
	if bin == "" {
		msg := "CHROMIUM NOT INSTALLED: skipping browser test; apt-get install chromium"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.Headless,
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-quic", true), chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(bctx, 30*time.Second)
	var wg sync.WaitGroup
	console := chromedp.Console(ctx)
	wg.Go(func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.IsException() {
				t.Errorf("page threw: %s", m.Text)
			}
		}
	})
	t.Cleanup(func() { cancelTimeout(); cancelBrowser(); cancelAlloc(); wg.Wait() })
	do(t, ctx, "open "+page, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID(ready)))
	return ctx
}

func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// do runs steps in the browser, failing the test with what on error.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// run runs one browser action and returns its value, failing the test
// with what on error.
func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}
