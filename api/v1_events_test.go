package api_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/internal/testwait"
)

// Tests of GET /v1/requests/{cid}/events, the Server-Sent Events stream.

// checkEvent checks that e is the reply event of seq at offset.
func checkEvent(t *testing.T, e event, cid string, seq int, offset string) {
	t.Helper()
	var f frame
	if err := json.Unmarshal([]byte(e.Data), &f); err != nil {
		t.Fatalf("event data %q: %v", e.Data, err)
	}
	if e.Event != "reply" || e.ID != offset || f.CID != cid || f.Seq != seq || f.Offset != offset {
		t.Fatalf("event = %+v (data %+v), want reply seq %d with id = offset = %s", e, f, seq, offset)
	}
}

// TestEventsResume reads stored and live events, disconnects, misses
// replies, and reconnects with Last-Event-ID: it gets exactly the missing
// ones, in order, then live ones.
func TestEventsResume(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	tok := r.replyToken()
	var offsets []string
	post := func(seq int) {
		offsets = append(offsets, r.mustReply(a.CID, tok, map[string]any{"seq": seq, "isEnd": seq == 6}).Offset)
	}
	post(1)
	post(2)
	path := "/v1/requests/" + a.CID + "/events?token=" + a.WSToken
	s := r.openSSE(path, "", "")
	checkEvent(t, s.next(t), a.CID, 1, offsets[0])
	checkEvent(t, s.next(t), a.CID, 2, offsets[1])
	post(3) // the stream is subscribed once its first event arrived
	checkEvent(t, s.next(t), a.CID, 3, offsets[2])
	s.Close()
	post(4)
	post(5)
	s = r.openSSE(path, "", offsets[2])
	checkEvent(t, s.next(t), a.CID, 4, offsets[3])
	checkEvent(t, s.next(t), a.CID, 5, offsets[4])
	post(6)
	checkEvent(t, s.next(t), a.CID, 6, offsets[5])
}

// TestEventsSinceQuery: ?since= resumes like Last-Event-ID, for clients
// that cannot set headers; the header wins when both are sent.
func TestEventsSinceQuery(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	tok := r.replyToken()
	first := r.mustReply(a.CID, tok, map[string]any{"seq": 1, "isEnd": false})
	second := r.mustReply(a.CID, tok, map[string]any{"seq": 2, "isEnd": false})
	third := r.mustReply(a.CID, tok, map[string]any{"seq": 3, "isEnd": false})
	s := r.openSSE("/v1/requests/"+a.CID+"/events?since="+first.Offset, "shop-key", "")
	checkEvent(t, s.next(t), a.CID, 2, second.Offset)
	s = r.openSSE("/v1/requests/"+a.CID+"/events?since="+first.Offset, "shop-key", second.Offset)
	checkEvent(t, s.next(t), a.CID, 3, third.Offset)
}

func TestEventsRefused(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	req, _ := http.NewRequest("GET", r.URL+"/v1/requests/"+a.CID+"/events", nil)
	req.Header.Set("Authorization", "Bearer shop-key")
	req.Header.Set("Last-Event-ID", "yesterday")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ans answer
	json.NewDecoder(resp.Body).Decode(&ans)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(ans.Msg, "Last-Event-ID") {
		t.Errorf("malformed Last-Event-ID = %d %+v, want 400 naming it", resp.StatusCode, ans)
	}
	for _, tt := range []struct {
		path, key string
		status    int
	}{
		{"/v1/requests/nope/events", "shop-key", 404},
		{"/v1/requests/" + a.CID + "/events", "", 401},
		{"/v1/requests/" + a.CID + "/events", "other-key", 404},
	} {
		if status, ans := r.do("GET", tt.path, tt.key, nil); status != tt.status {
			t.Errorf("GET %s with %q = %d %+v, want %d", tt.path, tt.key, status, ans, tt.status)
		}
	}
}

// TestEventsEndOnHubClose: streams end when the hub shuts down, and the
// server's Wait returns.
func TestEventsEndOnHubClose(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	r.mustReply(a.CID, r.replyToken(), map[string]any{"seq": 1, "isEnd": false})
	s := r.openSSE("/v1/requests/"+a.CID+"/events", "shop-key", "")
	s.next(t)
	r.Hub.Close()
	if !s.ended() {
		t.Error("event stream still open after hub.Close")
	}
}

// TestEventsStalledClientCutOff: a client that stops reading its event
// stream is cut off within the write timeout, and its subscription ends,
// instead of holding the handler (and a shutdown) forever.
func TestEventsStalledClientCutOff(t *testing.T) {
	r := newRig(t, rigOptions{write: 200 * time.Millisecond, sendBuffer: 1000})
	a := r.async(nil)
	tok := r.replyToken()
	conn := r.rawConn()
	fmt.Fprintf(conn, "GET /v1/requests/%s/events HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer shop-key\r\n\r\n", a.CID)
	if status, err := bufio.NewReaderSize(conn, 512).ReadString('\n'); err != nil || !strings.HasPrefix(status, "HTTP/1.1 200") {
		t.Fatalf("event stream answered %q, %v", status, err)
	}
	waitSubscribed(t, r, a.CID)
	big := strings.Repeat("x", 512<<10)
	for seq := 1; seq <= 24; seq++ { // far more than the socket buffers hold, nowhere near the send buffer
		r.mustReply(a.CID, tok, map[string]any{"seq": seq, "isEnd": false, "data": big})
	}
	testwait.Until(t, "the stalled stream to end", func() bool { return !r.Hub.Following(a.CID) })
}
