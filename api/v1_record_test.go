package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/internal/testwait"
)

// Tests of GET /v1/requests/{cid}: the record, and long-polling it.

func TestRecordFields(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	if _, rec := r.do("GET", "/v1/requests/"+a.CID, "shop-key", nil); rec.State != "pending" {
		t.Errorf("state before any reply = %q, want pending", rec.State)
	}
	rep := r.mustReply(a.CID, r.replyToken(), map[string]any{"seq": 1, "isEnd": false, "code": 3, "msg": "half", "data": map[string]int{"n": 1}})
	status, m := r.raw("GET", "/v1/requests/"+a.CID, "shop-key", nil)
	if status != http.StatusOK || m["cid"] != a.CID || m["serviceId"] != "svc" || m["caller"] != "shop" || m["state"] != "replied" {
		t.Errorf("record = %d %v, want cid, serviceId svc, caller shop, state replied", status, m)
	}
	if at, _ := m["createdAt"].(string); !validTime(at) {
		t.Errorf("createdAt = %v, want an RFC 3339 time", m["createdAt"])
	}
	if d, ok := m["deliveries"].([]any); !ok || len(d) != 0 {
		t.Errorf("deliveries = %v, want an empty array", m["deliveries"])
	}
	steps, _ := m["steps"].([]any)
	if len(steps) != 1 {
		t.Fatalf("steps = %v, want one", m["steps"])
	}
	step := steps[0].(map[string]any)
	if step["seq"] != 1.0 || step["isEnd"] != true || step["done"] != true || step["status"] != 200.0 || !validTime(step["at"]) {
		t.Errorf("step = %v, want seq 1, isEnd, done, status 200, at", step)
	}
	replies, _ := m["replies"].([]any)
	if len(replies) != 1 {
		t.Fatalf("replies = %v, want one", m["replies"])
	}
	got := replies[0].(map[string]any)
	data, _ := got["data"].(map[string]any)
	if got["seq"] != 1.0 || got["isEnd"] != false || got["code"] != 3.0 || got["msg"] != "half" || data["n"] != 1.0 ||
		got["offset"] != rep.Offset || !validTime(got["at"]) {
		t.Errorf("reply = %v, want seq 1, not the end, code 3, msg half, data {n:1}, offset %s, at", got, rep.Offset)
	}
	r.mustReply(a.CID, r.replyToken(), map[string]any{"seq": 2})
	if _, rec := r.do("GET", "/v1/requests/"+a.CID, "shop-key", nil); rec.State != "completed" {
		t.Errorf("state after the isEnd reply = %q, want completed", rec.State)
	}
}

func validTime(v any) bool {
	s, _ := v.(string)
	tm, err := time.Parse(time.RFC3339Nano, s)
	return err == nil && !tm.IsZero()
}

// TestLongPollReturnsOnReply: a poll waiting far longer than the test
// allows returns as soon as a reply after its offset is posted: the first
// reply with no offset, then one after a given offset.
func TestLongPollReturnsOnReply(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	tok := r.replyToken()
	after := ""
	for seq := 1; seq <= 2; seq++ {
		done := make(chan answer, 1)
		go func() {
			var rec answer
			if status, err := r.tryGet("/v1/requests/"+a.CID+"?wait=5m&after="+after, "shop-key", &rec); err != nil || status != http.StatusOK {
				rec.Msg = fmt.Sprintf("poll failed: %d %v", status, err)
			}
			done <- rec
		}()
		waitSubscribed(t, r, a.CID)
		posted := r.mustReply(a.CID, tok, map[string]any{"seq": seq, "isEnd": false})
		select {
		case rec := <-done:
			if len(rec.Replies) != 1 || rec.Replies[0].Seq != seq || rec.Replies[0].Offset != posted.Offset {
				t.Errorf("poll after %q = %+v, want only reply %d", after, rec, seq)
			}
		case <-time.After(wait):
			t.Fatalf("poll after %q did not return when reply %d came", after, seq)
		}
		testwait.Until(t, "the poll to unsubscribe", func() bool { return !r.Hub.Following(a.CID) })
		after = posted.Offset
	}
}

// TestLongPollWaitEnds: with nothing new, the poll answers 200 with no
// replies when its wait ends, not before.
func TestLongPollWaitEnds(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	last := r.mustReply(a.CID, r.replyToken(), map[string]any{"seq": 1, "isEnd": false})
	for _, q := range []string{"?wait=200ms&after=" + last.Offset, "?wait=200ms&after=" + last.Offset + "&token=" + a.WSToken} {
		start := time.Now()
		status, m := r.raw("GET", "/v1/requests/"+a.CID+q, keyUnlessToken(q), nil)
		if took := time.Since(start); took < 200*time.Millisecond {
			t.Errorf("poll %s returned after %v, want the whole wait", q, took)
		}
		if reps, ok := m["replies"].([]any); status != http.StatusOK || !ok || len(reps) != 0 || m["state"] != "replied" {
			t.Errorf("poll %s = %d %v, want 200, the record with an empty replies array", q, status, m)
		}
	}
}

func keyUnlessToken(q string) string {
	if strings.Contains(q, "token=") {
		return ""
	}
	return "shop-key"
}

func TestLongPollBadParams(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	for q, field := range map[string]string{"?wait=soon": "wait", "?wait=-1s": "wait", "?after=x-1": "after", "?wait=1s&after=1": "after"} {
		if status, ans := r.do("GET", "/v1/requests/"+a.CID+q, "shop-key", nil); status != http.StatusBadRequest || !strings.HasPrefix(ans.Msg, field) {
			t.Errorf("GET %s = %d %+v, want 400 naming %s", q, status, ans, field)
		}
	}
}

// TestLongPollEndsOnHubClose: a waiting poll is answered when the hub
// shuts down.
func TestLongPollEndsOnHubClose(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	done := make(chan int, 1)
	go func() {
		var rec answer
		status, _ := r.tryGet("/v1/requests/"+a.CID+"?wait=5m", "shop-key", &rec)
		done <- status
	}()
	waitSubscribed(t, r, a.CID)
	r.Hub.Close()
	select {
	case status := <-done:
		if status != http.StatusOK {
			t.Errorf("poll at shutdown = %d, want 200", status)
		}
	case <-time.After(wait):
		t.Fatal("poll still waiting after hub.Close")
	}
}
