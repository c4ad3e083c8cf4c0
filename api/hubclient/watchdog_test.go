package hubclient_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/callhub/callhub/api/hubclient"
	"github.com/coder/websocket"
)

// TestNextReconnectsAfterSilence: a hub that goes silent without closing
// (no frame, no ping) is dropped after DeadAfter, and Next resumes on a
// new connection from the last offset.
func TestNextReconnectsAfterSilence(t *testing.T) {
	hub := newFakeHub(t,
		frames(0, replyFrame(1, "10-0", false)), // then nothing, the connection open
		frames(0, replyFrame(2, "10-1", true)))
	c := hubclient.New(hub.URL, "")
	c.DeadAfter = 200 * time.Millisecond
	sub := c.Follow("c1", "", "")
	defer sub.Close()
	if got := nextSeqs(t, sub, 2); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("Next seqs = %v, want [1 2]", got)
	}
	if d := hub.dials(); len(d) != 2 || d[1].Get("since") != "10-0" {
		t.Errorf("dials = %v, want a second one with since=10-0", d)
	}
}

// TestPingsKeepFollowing: the hub's pings are traffic: a connection that
// carries only pings for longer than DeadAfter is kept.
func TestPingsKeepFollowing(t *testing.T) {
	const deadAfter = time.Second
	hub := newFakeHub(t, func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer conn.CloseNow()
		ctx := conn.CloseRead(r.Context()) // reads the pongs
		tick := time.NewTicker(deadAfter / 10)
		defer tick.Stop()
		for range 20 { // pings for twice deadAfter
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if err := conn.Ping(ctx); err != nil {
				return
			}
		}
		conn.Write(ctx, websocket.MessageText, []byte(replyFrame(1, "10-0", true)))
		<-ctx.Done()
	})
	c := hubclient.New(hub.URL, "")
	c.DeadAfter = deadAfter
	sub := c.Follow("c1", "", "")
	defer sub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if r, err := sub.Next(ctx); err != nil || r.Seq != 1 {
		t.Fatalf("Next = %+v, %v; want seq 1", r, err)
	}
	if n := len(hub.dials()); n != 1 {
		t.Errorf("dialled %d times, want once: the pings kept the connection", n)
	}
}
