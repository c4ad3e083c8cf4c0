package callback_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/hubtest"
	"github.com/callhub/callhub/hub/memstore"
	"github.com/callhub/callhub/internal/testwait"
)

// savingQueue counts the saves a Deliverer makes, and the claims.
type savingQueue struct {
	callback.Queue
	saves, claimed atomic.Int64
}

func (q *savingQueue) Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]callback.Delivery, error) {
	ds, err := q.Queue.Claim(ctx, now, n, lease)
	q.claimed.Add(int64(len(ds)))
	return ds, err
}

func (q *savingQueue) Save(ctx context.Context, d callback.Delivery) error {
	q.saves.Add(1)
	return q.Queue.Save(ctx, d)
}

// TestBusyEndpointBackToBack: with one attempt at a time allowed to an
// endpoint, deliveries claimed while it is busy wait on this instance
// and start as each attempt ends: every delivery is saved once, after its
// attempt, never put back in the queue to wait for a poll.
func TestBusyEndpointBackToBack(t *testing.T) {
	gate := make(chan struct{})
	h := newHook(t, func(int, http.ResponseWriter, *http.Request) int { <-gate; return 200 })
	q := &savingQueue{Queue: &memstore.Queue{}}
	d, err := callback.New(callback.Config{Queue: q, Health: &memstore.Health{}, Callers: []callback.Caller{shop(h)},
		PerEndpoint: 1, Poll: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	hubtest.RunDeliverer(t, d)
	const n = 5
	for i := range n {
		enqueue(t, d, "shop", "b"+string(rune('a'+i)), 1, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
	}
	testwait.Until(t, "the first attempt", func() bool { return len(h.got()) == 1 })
	close(gate)
	for i := range n {
		waitState(t, q, "b"+string(rune('a'+i))+".1", callback.Delivered)
	}
	if s := q.saves.Load(); s != n {
		t.Errorf("%d saves for %d deliveries, want one each: a busy endpoint's deliveries went back to the queue", s, n)
	}
}

// TestWaitingPutBackBeforeLease: a delivery that waits on this instance
// for its hanging endpoint is put back in the queue, unattempted, once it
// has waited half its lease, so that no other instance takes it over
// while it is still held here.
func TestWaitingPutBackBeforeLease(t *testing.T) {
	clk := newClock()
	release := make(chan struct{})
	h := newHook(t, func(int, http.ResponseWriter, *http.Request) int { <-release; return 200 })
	q := &savingQueue{Queue: &memstore.Queue{}}
	d, err := callback.New(callback.Config{Queue: q, Health: &memstore.Health{}, Callers: []callback.Caller{shop(h)},
		PerEndpoint: 1, Timeout: time.Minute, Now: clk.Now, Poll: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	hubtest.RunDeliverer(t, d)
	t.Cleanup(func() { close(release) }) // before the Deliverer's cleanup waits for the attempt
	enqueue(t, d, "shop", "w1", 1, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
	testwait.Until(t, "w1 to hang", func() bool { return len(h.got()) == 1 })
	enqueue(t, d, "shop", "w2", 1, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
	testwait.Until(t, "w2 to be claimed", func() bool { return q.claimed.Load() == 2 })
	clk.Advance(2 * time.Minute) // a lease is 2 × Timeout + 5s: more than half of it has passed
	testwait.Until(t, "w2 to be put back", func() bool { return q.saves.Load() >= 1 })
	if dl, _ := q.Get(context.Background(), "w2.1"); dl.State != callback.Pending || dl.Attempts != 0 {
		t.Errorf("w2 put back as %s with %d attempts, want pending with none", dl.State, dl.Attempts)
	}
}

// TestWaitingPastHalfLeaseNotStarted: a delivery that waited in its
// endpoint's line for half its lease or more is not started when the
// attempt ahead of it ends (that attempt could outlive its lease, and
// another instance take it over meanwhile): it goes back to the queue
// and is claimed again, with a lease of its own, before its attempt.
// Run polls once an hour here, so only the attempt's end looks at it.
func TestWaitingPastHalfLeaseNotStarted(t *testing.T) {
	clk := newClock()
	release := make(chan struct{})
	h := newHook(t, func(int, http.ResponseWriter, *http.Request) int { <-release; return 200 })
	q := &savingQueue{Queue: &memstore.Queue{}}
	d, err := callback.New(callback.Config{Queue: q, Health: &memstore.Health{}, Callers: []callback.Caller{shop(h)},
		PerEndpoint: 1, Timeout: time.Minute, Now: clk.Now, Poll: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	hubtest.RunDeliverer(t, d)
	enqueue(t, d, "shop", "h1", 1, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
	testwait.Until(t, "h1 to hang", func() bool { return len(h.got()) == 1 })
	enqueue(t, d, "shop", "h2", 1, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
	testwait.Until(t, "h2 to be claimed", func() bool { return q.claimed.Load() == 2 })
	clk.Advance(2 * time.Minute) // a lease is 2 × Timeout + 5s: more than half of it has passed
	close(release)
	waitState(t, q, "h2.1", callback.Delivered)
	if c := q.claimed.Load(); c != 3 {
		t.Errorf("h2 attempted after %d claims, want 3: it was started from the line past half its lease", c)
	}
}
