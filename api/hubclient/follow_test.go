package hubclient_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/callhub/callhub/api/hubclient"
	"github.com/coder/websocket"
)

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// nextSeqs calls Next n times and returns the seqs.
func nextSeqs(t *testing.T, sub *hubclient.Subscription, n int) []int {
	t.Helper()
	var seqs []int
	for range n {
		r, err := sub.Next(testContext(t))
		if err != nil {
			t.Fatalf("Next after seqs %v: %v", seqs, err)
		}
		seqs = append(seqs, r.Seq)
	}
	return seqs
}

// TestNextResumesAfterClose: after the hub closes (1013 too slow), Next
// reconnects with since = the last offset, skips a reply sent again, and
// returns io.EOF after the isEnd reply without dialling again.
func TestNextResumesAfterClose(t *testing.T) {
	hub := newFakeHub(t,
		frames(websocket.StatusTryAgainLater, replyFrame(1, "10-0", false), replyFrame(2, "10-1", false)),
		frames(0, replyFrame(2, "10-1", false), `{"type":"subscribed","cid":"c1","recovered":1}`, replyFrame(3, "11-0", true)))
	sub := hubclient.New(hub.URL, "").Follow("c1", "tok", "")
	defer sub.Close()
	if got := nextSeqs(t, sub, 3); len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 3 {
		t.Fatalf("Next seqs = %v, want [1 2 3]", got)
	}
	if _, err := sub.Next(testContext(t)); err != io.EOF {
		t.Fatalf("Next after isEnd = %v, want io.EOF", err)
	}
	d := hub.dials()
	if len(d) != 2 || d[0].Get("since") != "" || d[1].Get("since") != "10-1" || d[1].Get("token") != "tok" || d[1].Get("cid") != "c1" {
		t.Errorf("dials = %v, want two, the second with since=10-1 and the token", d)
	}
}

// TestNextRefused: a 4xx upgrade or a 4xx error frame ends Next with a
// *RefusedError; 429 and 5xx are retried.
func TestNextRefused(t *testing.T) {
	tests := []struct {
		name     string
		sessions []http.HandlerFunc
		status   int
		msg      string
	}{
		{"403 at connect", []http.HandlerFunc{refuse(403, "cid c1 belongs to another caller")}, 403, "cid c1 belongs to another caller"},
		{"error frame", []http.HandlerFunc{frames(0, `{"type":"error","code":404,"msg":"no such cid","cid":"c1"}`)}, 404, "no such cid"},
		{"429 then 401", []http.HandlerFunc{refuse(429, "slow down"), refuse(401, "bad token")}, 401, "bad token"},
		{"503 frame then 400", []http.HandlerFunc{frames(0, `{"type":"error","code":503,"msg":"store down","cid":"c1"}`), refuse(400, "since: malformed")}, 400, "since: malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hub := newFakeHub(t, tt.sessions...)
			sub := hubclient.New(hub.URL, "").Follow("c1", "", "")
			defer sub.Close()
			_, err := sub.Next(testContext(t))
			var refused *hubclient.RefusedError
			if !errors.As(err, &refused) || refused.Status != tt.status || refused.Msg != tt.msg || refused.CID != "c1" {
				t.Fatalf("Next = %v, want refused %d %q", err, tt.status, tt.msg)
			}
			if got, want := len(hub.dials()), len(tt.sessions); got != want {
				t.Errorf("dialled %d times, want %d", got, want)
			}
		})
	}
}

// TestCloseEndsNext: Close from another goroutine ends a waiting Next
// with ErrClosed.
func TestCloseEndsNext(t *testing.T) {
	session := frames(0, `{"type":"subscribed","cid":"c1","recovered":0}`)
	dialled := make(chan struct{})
	var once sync.Once
	hub := newFakeHub(t, func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(dialled) })
		session(w, r)
	})
	sub := hubclient.New(hub.URL, "").Follow("c1", "", "")
	done := make(chan error, 1)
	go func() {
		_, err := sub.Next(testContext(t))
		done <- err
	}()
	select {
	case <-dialled:
	case <-time.After(10 * time.Second):
		t.Fatal("Next never dialled")
	}
	sub.Close()
	if err := <-done; !errors.Is(err, hubclient.ErrClosed) {
		t.Errorf("Next after Close = %v, want ErrClosed", err)
	}
}
