package api_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/callhub/callhub/hub"
	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// Tests of the WebSocket delivery guarantee: replies of one cid arrive in
// offset order, without gaps or duplicates, across recovery and resume.

// collect reads frames of cid from conn until it has the reply of seq
// last and the subscribed frame; it checks that exactly recovered
// replies came before subscribed, and returns the seqs and offsets.
func collect(t *testing.T, conn *websocket.Conn, cid string, last int) (seqs []int, offsets []string) {
	t.Helper()
	subscribed := false
	for !subscribed || len(seqs) == 0 || seqs[len(seqs)-1] != last {
		f := readFrame(t, conn)
		switch {
		case f.CID != cid:
			t.Fatalf("frame %+v of another cid than %s", f, cid)
		case f.Type == "reply":
			seqs, offsets = append(seqs, f.Seq), append(offsets, f.Offset)
		case f.Type == "subscribed" && !subscribed:
			subscribed = true
			if f.Recovered != len(seqs) {
				t.Fatalf("subscribed says %d recovered, %d replies came first", f.Recovered, len(seqs))
			}
		default:
			t.Fatalf("unexpected frame %+v", f)
		}
	}
	return seqs, offsets
}

func seqRange(from, to int) string {
	var s []int
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return fmt.Sprint(s)
}

// TestWSRecoveryByFrame subscribes by frame with since on one long-lived
// connection while a service posts replies, many times, and checks each
// subscription sees every reply after since exactly once, in order.
func TestWSRecoveryByFrame(t *testing.T) {
	r := newRig(t, rigOptions{})
	conn := r.dial("", "shop-key")
	const n = 10
	for i := range 50 {
		a := r.async(nil)
		tok := r.replyToken()
		first := r.mustReply(a.CID, tok, map[string]any{"seq": 1, "isEnd": false})
		var p posters
		p.Go(func() error { return r.postSeqs(a.CID, tok, 2, n, true) })
		send(t, conn, map[string]string{"op": "subscribe", "cid": a.CID, "since": first.Offset})
		seqs, _ := collect(t, conn, a.CID, n)
		if err := p.Wait(); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if got, want := fmt.Sprint(seqs), seqRange(2, n); got != want {
			t.Fatalf("round %d: seqs %s, want %s", i, got, want)
		}
		send(t, conn, map[string]string{"op": "unsubscribe", "cid": a.CID})
		if f := readFrame(t, conn); f.Type != "unsubscribed" {
			t.Fatalf("round %d: unsubscribe answered %+v", i, f)
		}
	}
}

// TestWSConcurrentPosters: replies stored by concurrent posters may be
// published out of order; a subscriber still sees them in offset order,
// each once.
func TestWSConcurrentPosters(t *testing.T) {
	r := newRig(t, rigOptions{})
	for i := range 20 {
		a := r.async(nil)
		tok := r.replyToken()
		const writers, each = 4, 5
		var p posters
		conn := r.dial("cid="+a.CID+"&token="+a.WSToken, "")
		for range writers {
			p.Go(func() error {
				for range each {
					if status, ans, err := r.tryReply(a.CID, tok, map[string]any{"isEnd": false}); err != nil || status != 202 {
						return fmt.Errorf("reply = %d %+v %v", status, ans, err)
					}
				}
				return nil
			})
		}
		seqs, offsets := collect(t, conn, a.CID, writers*each)
		if err := p.Wait(); err != nil {
			t.Fatal(err)
		}
		if got, want := fmt.Sprint(seqs), seqRange(1, writers*each); got != want {
			t.Fatalf("round %d: seqs %s, want %s", i, got, want)
		}
		for j := 1; j < len(offsets); j++ {
			if !hub.OffsetLess(offsets[j-1], offsets[j]) {
				t.Fatalf("round %d: offset %s after %s", i, offsets[j], offsets[j-1])
			}
		}
		conn.CloseNow()
	}
}

// TestWSResumeAfterSlowDrop: a subscriber dropped with 1013 reads what it
// was sent, resumes with since = the last offset it read, and ends up with
// every reply exactly once.
func TestWSResumeAfterSlowDrop(t *testing.T) {
	r := newRig(t, rigOptions{sendBuffer: 2})
	a := r.async(nil)
	tok := r.replyToken()
	slow := r.dial("cid="+a.CID+"&token="+a.WSToken, "")
	if f := readFrame(t, slow); f.Type != "subscribed" {
		t.Fatalf("got %+v, want subscribed", f)
	}
	big := strings.Repeat("x", 32<<10) // 6.4 MB in all: more than loopback buffers hold
	const writers, each = 4, 50
	const n = writers * each
	var p posters
	for range writers {
		p.Go(func() error {
			for range each {
				if status, ans, err := r.tryReply(a.CID, tok, map[string]any{"isEnd": false, "data": big}); err != nil || status != 202 {
					return fmt.Errorf("reply = %d %+v %v", status, ans, err)
				}
			}
			return nil
		})
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	var seqs []int
	since := ""
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for {
		var f frame
		err := wsjson.Read(ctx, slow, &f)
		var ce websocket.CloseError
		if errors.As(err, &ce) && ce.Code == websocket.StatusTryAgainLater {
			break
		}
		if err != nil {
			t.Fatalf("slow subscriber read: %v, want replies then a 1013 close", err)
		}
		seqs, since = append(seqs, f.Seq), f.Offset
	}
	if len(seqs) == n {
		t.Fatal("the slow subscriber got every reply: it was never dropped")
	}
	resumed := r.dial("cid="+a.CID+"&token="+a.WSToken+"&since="+since, "")
	rest, _ := collect(t, resumed, a.CID, n)
	if got, want := fmt.Sprint(append(seqs, rest...)), seqRange(1, n); got != want {
		t.Errorf("before and after the drop: %s, want %s", got, want)
	}
}
