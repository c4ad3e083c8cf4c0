package api_test

import (
	"net/http"
	"testing"
	"time"
)

// lastOffsets are the largest offsets there are: every offset a store
// hands out comes before them.
var lastOffsets = []string{"18446744073709551615-0", "18446744073709551615-18446744073709551615"}

// TestResumeAfterLastOffset: a client resuming after the largest offsets
// gets no reply, by long-poll, WebSocket or event stream, on either
// store; the first of them once wrapped round to before every reply.
func TestResumeAfterLastOffset(t *testing.T) {
	for _, store := range []struct {
		name   string
		newRig func(t *testing.T) *rig
	}{
		{"memstore", func(t *testing.T) *rig { return newRig(t, rigOptions{}) }},
		{"redis", func(t *testing.T) *rig { r, _, _ := redisRig(t); return r }},
	} {
		t.Run(store.name, func(t *testing.T) {
			r := store.newRig(t)
			a := r.async(nil)
			tok := r.replyToken()
			r.mustReply(a.CID, tok, map[string]any{"seq": 1, "isEnd": false})
			r.mustReply(a.CID, tok, map[string]any{"seq": 2, "isEnd": false})
			var streams []*sse
			for _, last := range lastOffsets {
				for _, q := range []string{"?after=" + last, "?after=" + last + "&wait=1ms"} {
					if status, rec := r.do("GET", "/v1/requests/"+a.CID+q, "shop-key", nil); status != http.StatusOK || len(rec.Replies) != 0 {
						t.Errorf("GET %s = %d with %d replies, want 200 with none", q, status, len(rec.Replies))
					}
				}
				conn := r.dial("cid="+a.CID+"&token="+a.WSToken+"&since="+last, "")
				if f := readFrame(t, conn); f.Type != "subscribed" || f.Recovered != 0 {
					t.Errorf("ws since %s: first frame %+v, want subscribed with none recovered", last, f)
				}
				conn.CloseNow()
				// An event stream answers once it has sent what it
				// recovered; the hub's close ends it.
				streams = append(streams, r.openSSE("/v1/requests/"+a.CID+"/events", "shop-key", last))
			}
			r.Hub.Close()
			for i, s := range streams {
				if got := s.rest(t); len(got) != 0 {
					t.Errorf("events after Last-Event-ID %s = %+v, want none", lastOffsets[i], got)
				}
			}
		})
	}
}

// rest returns the events left on the stream until it ends, or fails
// when it stays open too long.
func (s *sse) rest(t *testing.T) []event {
	t.Helper()
	var got []event
	deadline := time.After(wait)
	for {
		select {
		case e, ok := <-s.events:
			if !ok {
				return got
			}
			got = append(got, e)
		case <-deadline:
			t.Fatal("event stream still open")
			return got
		}
	}
}
