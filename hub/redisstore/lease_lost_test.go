package redisstore

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/hubtest"
	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
)

// TestAddLeasedAnswerLost: the script that queues a callback due at once
// and leases it to the instance queueing it runs, but its answer is lost
// (a proxy on loopback drops what Redis sends on that connection from
// then on). Enqueue fails, as the reply's post then does, and gives back
// the lease the script took: the callback is attempted at once, on a
// clock that never moves, so never reaches the lease's end that would
// otherwise let a claim take it; and once.
func TestAddLeasedAnswerLost(t *testing.T) {
	testAddLeasedAnswerGone(t, (*redistest.Proxy).LoseAnswer, true)
}

// TestAddLeasedAnswerDropped: the same script's connection drops after
// it ran (EOF instead of its answer), and go-redis sends it again on
// another connection, which finds the delivery stored and leased: its
// own lease, by its end, so it answers leased and the callback is
// attempted at once, and once. It answered "existed", and no one
// attempted the callback before its lease ran out.
func TestAddLeasedAnswerDropped(t *testing.T) {
	testAddLeasedAnswerGone(t, (*redistest.Proxy).DropAnswer, false)
}

func testAddLeasedAnswerGone(t *testing.T, gone func(*redistest.Proxy, func([]byte) bool), fails bool) {
	srv := redistest.Start(t)
	px := redistest.StartProxy(t, srv.Addr)
	s, err := Open(Config{URL: px.URL(), KeyPrefix: "lost:", Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	q := s.Queue()
	var (
		mu  sync.Mutex
		got []string
	)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Callhub-Cid")+"."+r.Header.Get("Callhub-Seq"))
		mu.Unlock()
	}))
	t.Cleanup(recv.Close)
	attempts := func(id string) (n int) {
		mu.Lock()
		defer mu.Unlock()
		for _, g := range got {
			if g == id {
				n++
			}
		}
		return n
	}
	now := time.Now() // the deliverer's clock: it never moves
	d, err := callback.New(callback.Config{Queue: q, Health: s.Health(), Poll: time.Hour,
		Now: func() time.Time { return now }, Callers: []callback.Caller{{ID: "shop", CallbackBase: recv.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	hubtest.RunDeliverer(t, d)
	ctx := context.Background()
	cb := hub.Callback{URL: "/cb", Method: http.MethodPost}
	enqueue := func(cid string) error {
		rec := hub.Record{CID: cid, Caller: "shop", Callback: &cb}
		return d.Enqueue(ctx, rec, hub.Reply{CID: cid, Seq: 1, IsEnd: true, Offset: "1-0"})
	}
	delivered := func(id string) func() bool {
		return func() bool {
			dl, err := q.Get(ctx, id)
			return err == nil && dl.State == callback.Delivered
		}
	}
	// The warm-up loads the script and has Run take work: the next
	// callback is leased as it is queued.
	if err := enqueue("warm"); err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, "warm.1 delivered", delivered("warm.1"))
	sha := []byte(addScript.Hash())
	gone(px, func(sent []byte) bool { return bytes.Contains(sent, sha) && bytes.Contains(sent, []byte("c-lost")) })
	if err := enqueue("c-lost"); fails && !errors.Is(err, hub.ErrUnavailable) {
		t.Fatalf("Enqueue with its answer lost = %v, want unavailable", err)
	} else if !fails && err != nil {
		t.Fatalf("Enqueue sent again after its connection dropped = %v, want nil", err)
	}
	testwait.Until(t, "c-lost.1 delivered though the clock never reaches its lease's end", delivered("c-lost.1"))
	if n := attempts("c-lost.1"); n != 1 {
		t.Errorf("c-lost.1 attempted %d times, want once", n)
	}
	if dl, _ := q.Get(ctx, "c-lost.1"); dl.Attempts != 1 {
		t.Errorf("c-lost.1 stored with %d attempts, want 1", dl.Attempts)
	}
}
