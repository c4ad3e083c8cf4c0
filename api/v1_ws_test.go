package api_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/callhub/callhub/internal/testwait"
)

func TestWSSubscribeByFrameAndUnsubscribe(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	tok := r.replyToken()
	conn := r.dial("", "shop-key")
	send(t, conn, map[string]string{"op": "ping"})
	if f := readFrame(t, conn); f.Type != "pong" {
		t.Fatalf("ping answered %+v, want pong", f)
	}
	send(t, conn, map[string]string{"op": "subscribe", "cid": a.CID})
	if f := readFrame(t, conn); f.Type != "subscribed" || f.CID != a.CID {
		t.Fatalf("subscribe answered %+v", f)
	}
	r.reply(a.CID, tok, map[string]any{"seq": 1, "isEnd": false})
	if f := readFrame(t, conn); f.Type != "reply" || f.Seq != 1 || f.Offset == "" {
		t.Fatalf("got %+v, want reply 1", f)
	}
	send(t, conn, map[string]string{"op": "unsubscribe", "cid": a.CID})
	if f := readFrame(t, conn); f.Type != "unsubscribed" {
		t.Fatalf("unsubscribe answered %+v", f)
	}
	r.reply(a.CID, tok, map[string]any{"seq": 2, "isEnd": false})
	send(t, conn, map[string]string{"op": "ping"})
	if f := readFrame(t, conn); f.Type != "pong" {
		t.Errorf("after unsubscribe got %+v, want no reply, only pong", f)
	}
}

func TestWSBadFramesKeepConnection(t *testing.T) {
	r := newRig(t, rigOptions{})
	conn := r.dial("", "shop-key")
	tests := []struct{ frame, field string }{
		{`{"op":"dance"}`, "op:"},
		{`{}`, "op:"},
		{`{"op":"subscribe"}`, "cid:"},
		{`{"op":"subscribe","cid":"x","since":"abc"}`, "since:"},
		{`not json`, "frame: malformed JSON"},
		{`[]`, "frame: must be a JSON object, got JSON array"},
		{`{"op":"subscribe","cid":"no-such"}`, "not found"},
		{`{"op":"subscribe","caller":"other"}`, "caller:"},
	}
	for _, tt := range tests {
		if err := conn.Write(context.Background(), websocket.MessageText, []byte(tt.frame)); err != nil {
			t.Fatal(err)
		}
		f := readFrame(t, conn)
		if f.Type != "error" || f.Code < 400 || !strings.Contains(f.Msg, tt.field) {
			t.Errorf("frame %s answered %+v, want an error naming %q", tt.frame, f, tt.field)
		}
	}
	send(t, conn, map[string]string{"op": "ping"})
	if f := readFrame(t, conn); f.Type != "pong" {
		t.Errorf("connection unusable after bad frames: %+v", f)
	}
}

// TestWSRecoveryNoGapNoDuplicate subscribes with since while replies are
// being posted, many times, and checks each subscriber sees every reply
// after since exactly once, in order.
func TestWSRecoveryNoGapNoDuplicate(t *testing.T) {
	r := newRig(t, rigOptions{})
	for i := range 50 {
		a := r.async(nil)
		tok := r.replyToken()
		_, first := r.reply(a.CID, tok, map[string]any{"seq": 1, "isEnd": false})
		const n = 8
		go func() {
			for seq := 2; seq <= n; seq++ {
				r.reply(a.CID, tok, map[string]any{"seq": seq, "isEnd": seq == n})
			}
		}()
		conn := r.dial("cid="+a.CID+"&token="+a.WSToken+"&since="+first.Offset, "")
		var seqs []int
		recovered, subscribed := 0, false
		for !subscribed || len(seqs) == 0 || seqs[len(seqs)-1] != n {
			f := readFrame(t, conn)
			switch f.Type {
			case "reply":
				seqs = append(seqs, f.Seq)
			case "subscribed":
				recovered, subscribed = f.Recovered, true
				if recovered != len(seqs) {
					t.Fatalf("round %d: subscribed says %d recovered, %d came first", i, recovered, len(seqs))
				}
			}
		}
		if !subscribed {
			t.Fatalf("round %d: no subscribed frame", i)
		}
		if got, want := fmt.Sprint(seqs), "[2 3 4 5 6 7 8]"; got != want {
			t.Fatalf("round %d: seqs %s, want %s", i, got, want)
		}
		conn.CloseNow()
	}
}

func TestWSCallerWide(t *testing.T) {
	r := newRig(t, rigOptions{})
	conn := r.dial("", "shop-key")
	send(t, conn, map[string]string{"op": "subscribe", "caller": "shop"})
	if f := readFrame(t, conn); f.Type != "subscribed" || f.Caller != "shop" {
		t.Fatalf("caller subscribe answered %+v", f)
	}
	a := r.async(nil)
	tokA := r.replyToken()
	b := r.async(nil)
	tokB := r.replyToken()
	r.reply(a.CID, tokA, map[string]any{"seq": 1})
	r.reply(b.CID, tokB, map[string]any{"seq": 1})
	got := map[string]bool{}
	for range 2 {
		f := readFrame(t, conn)
		got[f.CID] = f.Type == "reply"
	}
	if !got[a.CID] || !got[b.CID] {
		t.Errorf("caller-wide subscriber got %v, want replies of both cids", got)
	}
}

// TestWSSlowSubscriberDropped: a subscriber that never reads is closed
// with 1013 while another subscriber of the cid gets every reply.
//
// The slow client reads nothing until every reply was posted: a write
// deadline longer than that keeps the frame the hub was writing when it
// dropped the subscriber from timing out, so the 1013 close follows it
// (a peer silent past the write deadline: TestWSSilentSubscriberClosed1013).
func TestWSSlowSubscriberDropped(t *testing.T) {
	r := newRig(t, rigOptions{sendBuffer: 2, write: 2 * time.Minute})
	a := r.async(nil)
	tok := r.replyToken()
	slow := r.dial("cid="+a.CID+"&token="+a.WSToken, "")
	fast := r.dial("cid="+a.CID+"&token="+a.WSToken, "")
	for _, c := range []*websocket.Conn{slow, fast} {
		if f := readFrame(t, c); f.Type != "subscribed" {
			t.Fatalf("got %+v", f)
		}
	}
	big := strings.Repeat("x", 64<<10)
	const n = 200
	for seq := 1; seq <= n; seq++ {
		r.reply(a.CID, tok, map[string]any{"seq": seq, "isEnd": seq == n, "data": big})
		if f := readFrame(t, fast); f.Seq != seq {
			t.Fatalf("fast subscriber got seq %d, want %d", f.Seq, seq)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		_, _, err := slow.Read(ctx)
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			if ce.Code != websocket.StatusTryAgainLater {
				t.Errorf("slow subscriber closed with %d, want 1013", ce.Code)
			}
			return
		}
		if err != nil {
			t.Fatalf("slow subscriber read: %v, want a 1013 close", err)
		}
	}
}

func TestWSHubCloseGoingAway(t *testing.T) {
	r := newRig(t, rigOptions{})
	conn := r.dial("", "shop-key")
	send(t, conn, map[string]string{"op": "ping"})
	readFrame(t, conn)
	r.Hub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _, err := conn.Read(ctx)
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.StatusGoingAway {
		t.Errorf("after hub.Close read = %v, want close 1001", err)
	}
}

// TestWSServerPings: the hub pings every 20ms; a client that reads
// answers them and is still subscribed and usable after ten pings.
func TestWSServerPings(t *testing.T) {
	r := newRig(t, rigOptions{ping: 20 * time.Millisecond, write: time.Second})
	a := r.async(nil)
	var pings atomic.Int32
	conn := r.dialWith("cid="+a.CID+"&token="+a.WSToken, "", &websocket.DialOptions{
		OnPingReceived: func(context.Context, []byte) bool { pings.Add(1); return true }})
	frames := make(chan frame, 16)
	go func() {
		for {
			var f frame
			if err := wsjson.Read(context.Background(), conn, &f); err != nil {
				close(frames)
				return
			}
			frames <- f
		}
	}()
	testwait.Until(t, "ten pings answered", func() bool { return pings.Load() >= 10 })
	if !r.Hub.Following(a.CID) {
		t.Fatal("subscription ended while the client answered pings")
	}
	send(t, conn, map[string]string{"op": "ping"})
	for f := range frames {
		if f.Type == "pong" {
			return
		}
	}
	t.Fatal("connection closed while pinged")
}

// TestWSDeadPeerDropped: a peer that never answers pings is dropped, and
// its subscriptions end.
func TestWSDeadPeerDropped(t *testing.T) {
	r := newRig(t, rigOptions{ping: 20 * time.Millisecond, write: 100 * time.Millisecond})
	a := r.async(nil)
	r.dial("cid="+a.CID+"&token="+a.WSToken, "") // never read: pings go unanswered
	waitSubscribed(t, r, a.CID)
	testwait.Until(t, "the dead peer to be dropped", func() bool { return !r.Hub.Following(a.CID) })
}

// TestWSStuckWriteCut: a peer that stops reading while replies keep
// coming blocks the hub's write once the socket buffers fill; after the
// write timeout the hub cuts the connection and its subscription ends,
// though its send buffer never overflowed and no ping was due.
func TestWSStuckWriteCut(t *testing.T) {
	r := newRig(t, rigOptions{sendBuffer: 1000, write: 200 * time.Millisecond, ping: time.Hour})
	a := r.async(nil)
	tok := r.replyToken()
	r.dial("cid="+a.CID+"&token="+a.WSToken, "") // never read
	waitSubscribed(t, r, a.CID)
	big := strings.Repeat("x", 256<<10)
	for seq := 1; seq <= 40; seq++ { // 10 MiB: past the socket buffers
		if code, ans := r.reply(a.CID, tok, map[string]any{"seq": seq, "isEnd": false, "data": big}); code != 202 {
			t.Fatalf("reply %d: %d %+v", seq, code, ans)
		}
	}
	testwait.Until(t, "the stuck peer to be cut", func() bool { return !r.Hub.Following(a.CID) })
}

// TestWSDuplicateReplyPublishedAgain: what Hub.PostReply's doc says of a
// duplicate: it is published again, so a caller-wide subscriber sees it
// twice, while a per-cid subscriber drops what it has seen.
func TestWSDuplicateReplyPublishedAgain(t *testing.T) {
	r := newRig(t, rigOptions{})
	wide := r.dial("", "shop-key")
	send(t, wide, map[string]string{"op": "subscribe", "caller": "shop"})
	if f := readFrame(t, wide); f.Type != "subscribed" {
		t.Fatalf("caller subscribe answered %+v", f)
	}
	a := r.async(nil)
	tok := r.replyToken()
	one := r.dial("cid="+a.CID, "shop-key")
	if f := readFrame(t, one); f.Type != "subscribed" {
		t.Fatalf("cid subscribe answered %+v", f)
	}
	r.reply(a.CID, tok, map[string]any{"seq": 1, "isEnd": false})
	if status, ans := r.reply(a.CID, tok, map[string]any{"seq": 1, "isEnd": false}); status != 200 {
		t.Fatalf("duplicate reply = %d %+v, want 200", status, ans)
	}
	r.reply(a.CID, tok, map[string]any{"seq": 2})
	var wideSeqs, oneSeqs []int
	for range 3 {
		wideSeqs = append(wideSeqs, readFrame(t, wide).Seq)
	}
	for range 2 {
		oneSeqs = append(oneSeqs, readFrame(t, one).Seq)
	}
	if fmt.Sprint(wideSeqs) != "[1 1 2]" || fmt.Sprint(oneSeqs) != "[1 2]" {
		t.Errorf("caller-wide got seqs %v, per-cid %v; want [1 1 2] and [1 2]", wideSeqs, oneSeqs)
	}
}
