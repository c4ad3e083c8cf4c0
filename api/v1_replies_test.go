package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/internal/testwait"
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
		{"another service's key", a.CID, "othersvc-key", 404},
		{"a caller key", a.CID, "shop-key", 404},
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
	testwait.Until(t, "a subscriber of "+cid, func() bool { return r.Hub.Following(cid) })
}

func TestReplyOffsetsIncrease(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	tok := r.replyToken()
	var offsets []string
	for seq := 1; seq <= 5; seq++ {
		rep := r.mustReply(a.CID, tok, map[string]any{"isEnd": seq == 5})
		if rep.Code != 0 || rep.Seq != seq || rep.Offset == "" {
			t.Fatalf("reply %d = %+v, want code 0, seq %d and an offset", seq, rep, seq)
		}
		if n := len(offsets); n > 0 && !hub.OffsetLess(offsets[n-1], rep.Offset) {
			t.Errorf("offset %s of seq %d is not after %s", rep.Offset, seq, offsets[n-1])
		}
		offsets = append(offsets, rep.Offset)
	}
	_, rec := r.do("GET", "/v1/requests/"+a.CID, "shop-key", nil)
	if len(rec.Replies) != len(offsets) {
		t.Fatalf("record has %d replies, want %d", len(rec.Replies), len(offsets))
	}
	for i, rep := range rec.Replies {
		if rep.Seq != i+1 || rep.Offset != offsets[i] {
			t.Errorf("record reply %d = %+v, want seq %d offset %s", i, rep, i+1, offsets[i])
		}
	}
}

// TestDuplicateEndReply: a service retrying its last reply is answered
// 200 with the first offset, not refused as a reply after the end.
func TestDuplicateEndReply(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	tok := r.replyToken()
	first := r.mustReply(a.CID, tok, map[string]any{"seq": 1, "isEnd": true, "data": "last"})
	status, dup := r.reply(a.CID, tok, map[string]any{"seq": 1, "isEnd": true, "data": "last"})
	if status != http.StatusOK || dup.Offset != first.Offset || dup.Seq != 1 {
		t.Errorf("repeated end reply = %d %+v, want 200 with offset %s", status, dup, first.Offset)
	}
	if status, _ := r.reply(a.CID, tok, map[string]any{}); status != http.StatusConflict {
		t.Errorf("a new reply after the end = %d, want 409", status)
	}
}

func TestReplyInputErrors(t *testing.T) {
	r := newRig(t, rigOptions{maxBody: 1024})
	a := r.async(nil)
	tok := r.replyToken()
	tests := []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"negative seq", map[string]any{"seq": -1}, 400, "seq:"},
		{"explicit seq 0", map[string]any{"seq": 0}, 400, "seq:"},
		{"isEnd not a bool", map[string]any{"isEnd": "yes"}, 400, "isEnd:"},
		{"code not a number", map[string]any{"code": "0"}, 400, "code:"},
		{"malformed", `{"seq":`, 400, "body:"},
		{"two objects", `{"seq":1}{"seq":2}`, 400, "body:"},
		{"too large", `{"data":"` + strings.Repeat("x", 2048) + `"}`, 413, "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, ans := r.do("POST", "/v1/replies/"+a.CID, tok, tt.body)
			if status != tt.status || !strings.Contains(ans.Msg, tt.field) {
				t.Errorf("= %d %+v, want %d naming %q", status, ans, tt.status, tt.field)
			}
		})
	}
	if _, rec := r.do("GET", "/v1/requests/"+a.CID, "shop-key", nil); len(rec.Replies) != 0 || rec.State != "pending" {
		t.Errorf("after refused replies the record = %+v, want pending with no replies", rec)
	}
}

// TestReplyCannotForgeFile: only the hub makes file references; a file
// field in a JSON reply is dropped.
func TestReplyCannotForgeFile(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	r.mustReply(a.CID, r.replyToken(), map[string]any{"file": map[string]any{"id": "x", "url": "http://evil.example/x"}})
	_, rec := r.raw("GET", "/v1/requests/"+a.CID, "shop-key", nil)
	reps, _ := rec["replies"].([]any)
	if len(reps) != 1 {
		t.Fatalf("record replies = %v, want one", rec["replies"])
	}
	if f, ok := reps[0].(map[string]any)["file"]; ok {
		t.Errorf("stored reply carries file %v, want none", f)
	}
}
