package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/internal/testwait"
	"github.com/coder/websocket"
)

// TestWSSilentSubscriberCut pins what a subscriber that reads nothing at
// all sees (docs/protocol.md, "A client that reads nothing"): TCP flow
// control holds every frame behind the ones it has not read, the 1013
// close included, so once its inbox overflows and a write has waited
// limits.writeTimeout the hub cuts the connection without a close frame.
// When the client reads at last it gets the frames already in flight, in
// order, then an end with no close status (a browser's 1006), and it
// resumes with since like after any disconnect.
func TestWSSilentSubscriberCut(t *testing.T) {
	r := newRig(t, rigOptions{sendBuffer: 2, write: 300 * time.Millisecond})
	a := r.async(nil)
	tok := r.replyToken()
	silent := r.dial("cid="+a.CID+"&token="+a.WSToken, "")
	if f := readFrame(t, silent); f.Type != "subscribed" {
		t.Fatalf("got %+v", f)
	}
	big := strings.Repeat("x", 64<<10)
	seq := 0
	testwait.Until(t, "the silent subscriber's connection to be closed", func() bool {
		seq++
		r.reply(a.CID, tok, map[string]any{"seq": seq, "isEnd": false, "data": big})
		return sample(scrape(t, r), `callhub_open_streams{kind="websocket"}`) == 0
	})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	last := 0
	for {
		var f frame
		_, b, err := silent.Read(ctx)
		if err != nil {
			if code := websocket.CloseStatus(err); code != -1 {
				t.Errorf("silent subscriber ended with close %d, want no close frame (docs/protocol.md)", code)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("silent subscriber's connection still open after %s", wait)
			}
			break
		}
		if err := json.Unmarshal(b, &f); err != nil || f.Seq != last+1 {
			t.Fatalf("frame after seq %d = %.80s (%v), want seq %d", last, b, err, last+1)
		}
		last = f.Seq
	}
	if last == 0 || last >= seq {
		t.Errorf("silent subscriber read seq 1..%d of %d, want the frames in flight, fewer than all", last, seq)
	}
}
