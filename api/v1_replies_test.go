package api_test

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
)

func TestRepliesStoredInOrder(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	tok := r.replyToken()
	conn := r.dial("cid="+a.CID+"&token="+a.WSToken, "")
	if f := readFrame(t, conn); f.Type != "subscribed" || f.Recovered != 0 {
		t.Fatalf("first frame = %+v, want subscribed", f)
	}
	status, r1 := r.reply(a.CID, tok, map[string]any{"seq": 1, "isEnd": false, "data": map[string]int{"n": 1}})
	if status != http.StatusAccepted || r1.Offset == "" {
		t.Fatalf("reply 1 = %d %+v", status, r1)
	}
	status, dup := r.reply(a.CID, tok, map[string]any{"seq": 1, "isEnd": false, "data": map[string]int{"n": 99}})
	if status != http.StatusOK || dup.Offset != r1.Offset {
		t.Errorf("duplicate = %d %+v, want 200 with offset %s", status, dup, r1.Offset)
	}
	_, r2 := r.reply(a.CID, tok, map[string]any{"isEnd": true}) // seq defaults to the next
	if r2.Seq != 2 || !hub.OffsetLess(r1.Offset, r2.Offset) {
		t.Errorf("reply 2 = %+v, want seq 2 after offset %s", r2, r1.Offset)
	}
	for _, want := range []int{1, 2} {
		if f := readFrame(t, conn); f.Type != "reply" || f.Seq != want {
			t.Fatalf("frame = %+v, want reply seq %d (and the duplicate never)", f, want)
		}
	}
	if status, a := r.reply(a.CID, tok, map[string]any{"seq": 3}); status != http.StatusConflict {
		t.Errorf("reply after isEnd = %d %+v, want 409", status, a)
	}
	if status, rec := r.do("GET", "/v1/requests/"+a.CID, "shop-key", nil); rec.State != "completed" || len(rec.Replies) != 2 {
		t.Errorf("record = %d %+v, want completed with 2 replies", status, rec)
	}
}

func TestReplyAuth(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	tokA := r.replyToken()
	b := r.async(nil)
	tests := []struct {
		name, cid, key string
		status         int
	}{
		{"another cid's token", a.CID, "rt.not-this-one", 401},
		{"no key", a.CID, "", 401},
		{"another service's key", a.CID, "othersvc-key", 403},
		{"a caller key", a.CID, "shop-key", 403},
		{"unknown cid", "no-such-cid", "svc-key", 404},
		{"its service's key", b.CID, "svc-key", 202},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, ans := r.reply(tt.cid, tt.key, map[string]any{"seq": 1}); status != tt.status {
				t.Errorf("= %d %+v, want %d", status, ans, tt.status)
			}
		})
	}
	if status, ans := r.reply(a.CID, tokA, map[string]any{"seq": 1, "data": "x", "bogus": 1}); status != 400 || !strings.Contains(ans.Msg, "bogus") {
		t.Errorf("unknown reply field = %d %+v, want 400 naming it", status, ans)
	}
}

func TestLongPoll(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	tok := r.replyToken()
	_, r1 := r.reply(a.CID, tok, map[string]any{"seq": 1, "isEnd": false})
	done := make(chan answer, 1)
	go func() {
		_, rec := r.do("GET", "/v1/requests/"+a.CID+"?wait=10s&after="+r1.Offset, "shop-key", nil)
		done <- rec
	}()
	waitSubscribed(t, r, a.CID)
	r.reply(a.CID, tok, map[string]any{"seq": 2})
	select {
	case rec := <-done:
		if len(rec.Replies) != 1 || rec.Replies[0].Seq != 2 {
			t.Errorf("long-poll replies = %+v, want only seq 2", rec.Replies)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("long-poll did not return when the reply came")
	}
	status, rec := r.do("GET", "/v1/requests/"+a.CID+"?wait=100ms&after="+r1.Offset+"&token="+a.WSToken, "", nil)
	if status != 200 || len(rec.Replies) != 1 {
		t.Errorf("poll with a reply already newer = %d %+v", status, rec)
	}
	status, rec = r.do("GET", "/v1/requests/"+a.CID+"?wait=10m", "shop-key", nil)
	if status != 400 || !strings.Contains(rec.Msg, "wait") {
		t.Errorf("wait=10m = %d %+v, want 400 naming wait", status, rec)
	}
}

// waitSubscribed waits until cid has a local subscriber: a long-poll or
// stream is in place.
func waitSubscribed(t *testing.T, r *rig, cid string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !r.Hub.Following(cid) {
		if time.Now().After(deadline) {
			t.Fatal("no subscriber appeared")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestEventsResume(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	tok := r.replyToken()
	var offsets []string
	for seq := 1; seq <= 3; seq++ {
		_, rep := r.reply(a.CID, tok, map[string]any{"seq": seq, "isEnd": false})
		offsets = append(offsets, rep.Offset)
	}
	req, _ := http.NewRequest("GET", r.URL+"/v1/requests/"+a.CID+"/events?token="+a.WSToken, nil)
	req.Header.Set("Last-Event-ID", offsets[0])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type = %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	var ids []string
	go r.reply(a.CID, tok, map[string]any{"seq": 4})
	for len(ids) < 3 && sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
			ids = append(ids, id)
		}
	}
	if len(ids) != 3 || ids[0] != offsets[1] || ids[1] != offsets[2] {
		t.Errorf("event ids after Last-Event-ID %s = %v, want %s %s and the live one", offsets[0], ids, offsets[1], offsets[2])
	}
}
