package callback_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/memstore"
)

// countingQueue counts the polls of a memory queue.
type countingQueue struct {
	*memstore.Queue
	claims atomic.Int64
}

func (q *countingQueue) Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]callback.Delivery, error) {
	q.claims.Add(1)
	return q.Queue.Claim(ctx, now, n, lease)
}

// runBubbled runs d until the test's bubble ends.
func runBubbled(t *testing.T, d *callback.Deliverer) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// TestIdlePollBacksOff: an instance with nothing to deliver asks its
// queue less and less often, down to once per 10×Poll, instead of every
// Poll.
func TestIdlePollBacksOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := &countingQueue{Queue: &memstore.Queue{}}
		d, err := callback.New(callback.Config{Queue: q, Health: &memstore.Health{}, Poll: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		runBubbled(t, d)
		time.Sleep(60 * time.Second)
		synctest.Wait()
		// Polls at 0, 0.1, 0.3, 0.7, 1.5 s, then every second: 64. Every
		// Poll would be 601.
		if n := q.claims.Load(); n < 60 || n > 70 {
			t.Errorf("%d polls in a idle minute, want about 64 (once a second)", n)
		}
	})
}

// roundTripFunc is an http.RoundTripper: callbacks that never leave the
// process, so they run in a synctest bubble.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestRetryOnTimeWhenIdle: a retry this instance scheduled is attempted
// at its time, not at the next of the idle instance's sparse polls.
func TestRetryOnTimeWhenIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var at []time.Time
		client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			defer mu.Unlock()
			at = append(at, time.Now())
			status := http.StatusInternalServerError
			if len(at) > 1 {
				status = http.StatusNoContent
			}
			return &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader("")), Header: http.Header{}, Request: r}, nil
		})}
		q := &memstore.Queue{}
		d, err := callback.New(callback.Config{Queue: q, Health: &memstore.Health{}, Poll: 100 * time.Millisecond,
			Client: client, Schedule: []time.Duration{20 * time.Second},
			Callers: []callback.Caller{{ID: "shop", CallbackBase: "http://hooks.shop.example"}}})
		if err != nil {
			t.Fatal(err)
		}
		runBubbled(t, d)
		time.Sleep(5 * time.Second) // idle: polls are a second apart by now
		enqueue(t, d, "shop", "c1", 1, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
		synctest.Wait()
		dl, err := q.Get(context.Background(), "c1.1")
		if err != nil || dl.State != callback.Pending || dl.NextAttemptAt.IsZero() {
			t.Fatalf("after the first attempt: %+v, %v; want pending with a retry time", dl, err)
		}
		time.Sleep(30 * time.Second)
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		if len(at) != 2 {
			t.Fatalf("%d attempts, want 2", len(at))
		}
		if late := at[1].Sub(dl.NextAttemptAt); late < 0 || late > time.Millisecond {
			t.Errorf("retry attempted %v after its time, want at its time", late)
		}
	})
}
