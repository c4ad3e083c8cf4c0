package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/internal/testwait"
	"github.com/coder/websocket"
)

// TestWSSilentSubscriberClosed1013: a subscriber that reads nothing at
// all, whose frames fill every buffer between it and the hub, is closed
// once a write to it has waited limits.writeTimeout; when it reads at
// last it gets the frames in flight, whole and in order, then the 1013
// close (docs/protocol.md, "A client that reads nothing"). Outside Linux
// the hub cannot keep room for the close frame, and the connection ends
// without one.
func TestWSSilentSubscriberClosed1013(t *testing.T) {
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
	want := websocket.StatusTryAgainLater
	if runtime.GOOS != "linux" {
		want = -1
	}
	last := 0
	for {
		_, b, err := silent.Read(ctx)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("silent subscriber's connection still open after %s", wait)
			}
			if code := websocket.CloseStatus(err); code != want {
				t.Errorf("silent subscriber ended after seq %d with %v (close status %d), want %d", last, err, code, want)
			}
			break
		}
		var f frame
		if err := json.Unmarshal(b, &f); err != nil || f.Seq != last+1 {
			t.Fatalf("frame after seq %d = %.80s (%v), want seq %d", last, b, err, last+1)
		}
		last = f.Seq
	}
	if last == 0 || last >= seq {
		t.Errorf("silent subscriber read seq 1..%d of %d, want the frames in flight, fewer than all", last, seq)
	}
}
