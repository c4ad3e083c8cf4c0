package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestClientEvents: callhub.js passes a cid's progress, stalled and
// resumed frames to their handlers, between its replies, and ignores
// frames of types it does not know, frames of other cids, and a
// subscription without event handlers.
func TestClientEvents(t *testing.T) {
	t.Parallel()
	ctx := openPlayground(t, devHub(t))
	got := run(t, ctx, "feed frames", chromedp.Evaluate[string](`(async () => {
		const { CallHub } = await import("/callhub.js");
		const c = new CallHub(location.origin), heard = [], nop = () => {};
		const on = (name) => (f) => heard.push(name + ":" + (f.progress ?? f.since ?? f.cid));
		c.subs.set("c1", { since: "", onReply: (r) => heard.push("reply:" + r.seq), onState: nop, onError: nop,
			events: { progress: on("progress"), stalled: on("stalled"), resumed: on("resumed") } });
		c.subs.set("c2", { since: "", onReply: nop, onState: nop, onError: nop });
		for (const f of [
			{ type: "reply", cid: "c1", seq: 1, offset: "1-0" },
			{ type: "progress", cid: "c1", progress: 0.5, msg: "half", at: "2026-01-01T00:00:00Z" },
			{ type: "ack", cid: "c1", offset: "1-0" },
			{ type: "toString", cid: "c1" },
			{ type: "stalled", cid: "c1", since: "2026-01-01T00:00:01Z" },
			{ type: "progress", cid: "c2", progress: 1 },
			{ type: "resumed", cid: "c1" },
			{ type: "reply", cid: "c1", seq: 2, offset: "1-1", isEnd: true, origin: "hub" },
		]) c.receive(f);
		return heard.join(" ");
	})()`, chromedp.EvalAwaitPromise))
	if want := "reply:1 progress:0.5 stalled:2026-01-01T00:00:01Z resumed:c1 reply:2"; got != want {
		t.Errorf("heard %q, want %q", got, want)
	}
}
