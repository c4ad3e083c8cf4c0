package hubclient_test

import (
	"io"
	"testing"
	"time"

	"github.com/callhub/callhub/api/hubclient"
	"github.com/coder/websocket"
)

// eventFrames are the lifecycle frames of c1 as the hub writes them,
// around frames of kinds the SDK does not know, one of them with fields
// that do not parse as a reply's, and an event of another cid.
var eventFrames = []string{
	`{"type":"progress","cid":"c1","progress":0.4,"msg":"rows","at":"2026-01-01T00:00:01Z"}`,
	`{"type":"receipt","cid":"c1","seq":"not a number","at":5}`,
	`{"type":"stalled","cid":"c1","since":"2026-01-01T00:00:02Z"}`,
	`{"type":"progress","cid":"c2","at":"2026-01-01T00:00:03Z"}`,
	`not json at all`,
	`{"type":"resumed","cid":"c1"}`,
	`{"type":"progress","cid":"c1","at":"2026-01-01T00:00:04Z"}`,
}

// TestNextEventLifecycle: NextEvent yields progress, stalled and resumed
// between the replies, skipping unknown or malformed frames and other
// cids' events on the same connection.
func TestNextEventLifecycle(t *testing.T) {
	fs := append([]string{replyFrame(1, "10-0", false)}, eventFrames...)
	hub := newFakeHub(t, frames(0, append(fs, replyFrame(2, "10-1", true))...))
	sub := hubclient.New(hub.URL, "").Follow("c1", "tok", "")
	defer sub.Close()
	var got []hubclient.Event
	for {
		ev, err := sub.NextEvent(testContext(t))
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("NextEvent after %d events: %v", len(got), err)
		}
		got = append(got, ev)
	}
	types := []string{"reply", "progress", "stalled", "resumed", "progress", "reply"}
	if len(got) != len(types) {
		t.Fatalf("events = %+v, want types %v", got, types)
	}
	for i, ev := range got {
		if ev.Type != types[i] || ev.CID != "c1" {
			t.Errorf("event %d = %+v, want type %s of c1", i, ev, types[i])
		}
	}
	if p := got[1]; p.Progress == nil || *p.Progress != 0.4 || p.Msg != "rows" || !p.At.Equal(time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC)) {
		t.Errorf("progress = %+v", p)
	}
	if s := got[2]; !s.Since.Equal(time.Date(2026, 1, 1, 0, 0, 2, 0, time.UTC)) {
		t.Errorf("stalled since = %v", s.Since)
	}
	if p := got[4]; p.Progress != nil || p.Msg != "" {
		t.Errorf("bare heartbeat = %+v, want no progress and no msg", p)
	}
	if r := got[5].Reply; r.Seq != 2 || !r.IsEnd {
		t.Errorf("last reply = %+v", r)
	}
	if n := len(hub.dials()); n != 1 {
		t.Errorf("dials = %d, want 1: no frame may break the connection", n)
	}
}

// TestNextSkipsEvents: Next returns the replies only, on one connection.
func TestNextSkipsEvents(t *testing.T) {
	fs := append([]string{replyFrame(1, "10-0", false)}, eventFrames...)
	hub := newFakeHub(t, frames(0, append(fs, replyFrame(2, "10-1", true))...))
	sub := hubclient.New(hub.URL, "").Follow("c1", "tok", "")
	defer sub.Close()
	if got := nextSeqs(t, sub, 2); got[0] != 1 || got[1] != 2 {
		t.Fatalf("Next seqs = %v, want [1 2]", got)
	}
	if _, err := sub.Next(testContext(t)); err != io.EOF {
		t.Fatalf("Next after isEnd = %v, want io.EOF", err)
	}
	if n := len(hub.dials()); n != 1 {
		t.Errorf("dials = %d, want 1", n)
	}
}

// TestEventRawAndOnReconnect: each event carries its frame as the hub
// sent it, and OnReconnect hears of each reconnect with the offset it
// resumes after.
func TestEventRawAndOnReconnect(t *testing.T) {
	first, last := replyFrame(1, "10-0", false), replyFrame(2, "10-1", true)
	hub := newFakeHub(t, frames(websocket.StatusTryAgainLater, first, eventFrames[0]), frames(0, last))
	sub := hubclient.New(hub.URL, "").Follow("c1", "tok", "")
	defer sub.Close()
	var resumed []string
	sub.OnReconnect = func(err error, since string) { resumed = append(resumed, since) }
	var raws []string
	for {
		ev, err := sub.NextEvent(testContext(t))
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, string(ev.Raw))
	}
	if want := []string{first, eventFrames[0], last}; len(raws) != 3 || raws[0] != want[0] || raws[1] != want[1] || raws[2] != want[2] {
		t.Errorf("raw frames = %q, want %q", raws, want)
	}
	if len(resumed) != 1 || resumed[0] != "10-0" {
		t.Errorf("OnReconnect heard %q, want one reconnect after 10-0", resumed)
	}
}
