package web_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/internal/testwait"
	"github.com/chromedp/chromedp"
)

// TestConsoleReceipts: a request whose callback waits for unacknowledged
// replies; reply 1 is acknowledged, reply 2 not. Past afterMs the
// console shows reply 1's ackedAt, its delivery skipped and reply 2's
// delivered, and lists the skipped one under its state.
func TestConsoleReceipts(t *testing.T) {
	var skew atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	ch := newConsoleHubAt(t, now)
	ch.up.Store(true)
	cid := ch.post(t, "/v1/requests", "shop-key",
		`{"serviceId":"billing","path":"/charge","async":true,"callback":{"url":"/hooks","when":"unacked","afterMs":60000}}`)
	ch.post(t, "/v1/replies/"+cid, "svc-key", `{"seq":1,"isEnd":false,"data":{"step":"charged"}}`)
	ch.post(t, "/v1/replies/"+cid, "svc-key", `{"seq":2,"data":{"step":"shipped"}}`)
	ctx := context.Background()
	admin := hub.Principal{Kind: hub.KindAdmin}
	rec, err := ch.hub.Record(ctx, admin, cid)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.hub.Ack(ctx, admin, cid, rec.Replies[0].Offset); err != nil {
		t.Fatal(err)
	}
	skew.Store(int64(61 * time.Second))
	testwait.Within(t, 10*time.Second, "deliveries ended", func() bool {
		rec, err := ch.hub.Record(ctx, admin, cid)
		return err == nil && len(rec.Deliveries) == 2 && rec.Deliveries[0].State == "skipped" &&
			rec.Deliveries[1].State == "delivered"
	})

	bctx := openBrowser(t, ch.URL+"/", "signin-btn")
	do(t, bctx, "sign in", chromedp.SetValue(chromedp.ID("key"), "admin-key"), chromedp.Click(chromedp.ID("signin-btn")))
	run(t, bctx, "overview", chromedp.Poll[bool](`!document.querySelector("#view-overview").hidden`))
	do(t, bctx, "the request", chromedp.Navigate(ch.URL+"/#request/"+cid))
	run(t, bctx, "acked reply and skipped delivery", chromedp.Poll[bool](
		`!!document.querySelector('#detail-replies tr[data-seq="1"][data-acked="yes"]') &&
		 !!document.querySelector('#detail-replies tr[data-seq="2"][data-acked="no"]') &&
		 !!document.querySelector('#detail-deliveries .delivery[data-id="`+cid+`.1"][data-state="skipped"]') &&
		 !!document.querySelector('#detail-deliveries .delivery[data-id="`+cid+`.2"][data-state="delivered"]')`))
	do(t, bctx, "deliveries view", chromedp.Click(chromedp.CSS(`nav a[data-view="deliveries"]`)),
		chromedp.SetValue(chromedp.ID("dl-state"), "skipped"), chromedp.Click(chromedp.CSS(`#dl-filter button`)))
	run(t, bctx, "skipped listed", chromedp.Poll[bool](
		`!!document.querySelector('#deliveries tr[data-id="`+cid+`.1"][data-state="skipped"]') &&
		 !document.querySelector('#deliveries tr[data-id="`+cid+`.2"]')`))
}
