package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestClientSSE: in a real browser, the client follows a cid over
// Server-Sent Events read with fetch (under the page's CSP) to its end.
func TestClientSSE(t *testing.T) {
	t.Parallel()
	ctx := openPlayground(t, devHub(t))
	got := run(t, ctx, "follow over SSE", chromedp.Evaluate[string](`(async () => {
		const { CallHub } = await import("/callhub.js");
		const c = new CallHub(location.origin, { transport: "sse" });
		const ans = await c.send({ serviceId: "echo", method: "POST", path: "/async?replies=3&delayMs=20", async: true });
		return await new Promise((resolve, reject) => {
			const seqs = [];
			c.subscribe(ans.cid, { token: ans.wsToken, onError: (e) => reject(e.msg),
				onReply: (r) => { seqs.push(r.seq); if (r.isEnd) { resolve(c.transport + " " + seqs.join(",") + " " + c.state); c.close(); } } });
		});
	})()`, chromedp.EvalAwaitPromise))
	if want := "sse 1,2,3 idle"; got != want {
		t.Errorf("followed over SSE: %q, want %q", got, want)
	}
}
