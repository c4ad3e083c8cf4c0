package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestConsoleLifecycle: a stalled request is marked in the list and
// filtered by "Stalled now"; its view shows the stall and cancels it with
// a reason, after which the hub's 499 reply is marked as the hub's and
// the cancel button is gone; the live tail shows progress; an ended
// request offers no cancel.
func TestConsoleLifecycle(t *testing.T) {
	ch := newConsoleHub(t)
	stalled := ch.post(t, "/v1/requests", "shop-key", `{"serviceId":"billing","path":"/charge","async":true,"heartbeatMs":60000}`)
	quiet := ch.post(t, "/v1/requests", "shop-key", `{"serviceId":"billing","path":"/charge","async":true}`)
	ch.skew.Store(int64(2 * time.Minute)) // the first is silent past its heartbeatMs
	ctx := openBrowser(t, ch.URL+"/", "signin-btn")
	do(t, ctx, "sign in", chromedp.SetValue(chromedp.ID("key"), "admin-key"), chromedp.Click(chromedp.ID("signin-btn")))
	run(t, ctx, "overview", chromedp.Poll[bool](`!document.querySelector("#view-overview").hidden`))
	do(t, ctx, "live tail of shop", chromedp.Navigate(ch.URL+"/#tail"), chromedp.SetValue(chromedp.ID("tail-target"), "shop"),
		chromedp.Click(chromedp.ID("tail-start")))
	run(t, ctx, "tail open", chromedp.Poll[bool](`document.querySelector("#tail-state").textContent === "open"`))
	ch.post(t, "/v1/replies/"+quiet+"/heartbeat", "svc-key", `{"progress":0.25,"msg":"rows"}`)
	progress := run(t, ctx, "progress on the tail", chromedp.Poll[string](
		`document.querySelector('#tail tr[data-cid="`+quiet+`"][data-event="progress"]')?.textContent || ""`))
	if !strings.Contains(progress, "25% rows") {
		t.Errorf("progress row = %q, want 25%% rows", progress)
	}

	do(t, ctx, "stalled requests", chromedp.Click(chromedp.CSS(`nav a[data-view="requests"]`)),
		chromedp.Click(chromedp.ID("req-stalled")), chromedp.Click(chromedp.CSS(`#req-filter button`)))
	run(t, ctx, "only the stalled one", chromedp.Poll[bool](
		`!!document.querySelector('#requests tr[data-cid="`+stalled+`"][data-stalled="true"] .s-stalled') &&
		 !document.querySelector('#requests tr[data-cid="`+quiet+`"]')`))
	shoot(t, ctx, "console-stalled")
	run(t, ctx, "open it", clickWhenThere(`#requests tr[data-cid="`+stalled+`"] a`))
	run(t, ctx, "the stall and the cancel button", chromedp.Poll[bool](
		`!!document.querySelector("#detail-stalled") && !document.querySelector("#cancel-form").hidden`))
	do(t, ctx, "cancel it", chromedp.SetValue(chromedp.ID("cancel-reason"), "operator"), chromedp.Click(chromedp.ID("cancel-btn")))
	reply := run(t, ctx, "the hub's reply", chromedp.Poll[string](
		`document.querySelector("#detail-state").textContent === "canceled" && document.querySelector("#cancel-form").hidden &&
		 document.querySelector('#detail-replies tr[data-origin="hub"]')?.textContent`))
	if !strings.Contains(reply, "499") || !strings.Contains(reply, "hub") || !strings.Contains(reply, "operator") {
		t.Errorf("hub reply row = %q, want code 499 marked hub with the reason", reply)
	}

	do(t, ctx, "canceled requests", chromedp.Click(chromedp.CSS(`nav a[data-view="requests"]`)),
		chromedp.Click(chromedp.ID("req-stalled")), chromedp.SetValue(chromedp.ID("req-state"), "canceled"),
		chromedp.Click(chromedp.CSS(`#req-filter button`)))
	run(t, ctx, "listed, ended by the hub", chromedp.Poll[bool](
		`!!document.querySelector('#requests tr[data-cid="`+stalled+`"][data-origin="hub"][data-state="canceled"] .s-hub')`))
	ch.post(t, "/v1/replies/"+quiet, "svc-key", `{"seq":1}`)
	do(t, ctx, "the completed one", chromedp.Navigate(ch.URL+"/#request/"+quiet))
	run(t, ctx, "no cancel once ended", chromedp.Poll[bool](
		`document.querySelector("#detail-state").textContent === "completed" && document.querySelector("#cancel-form").hidden`))
}
