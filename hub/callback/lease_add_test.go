package callback_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/hubtest"
	"github.com/callhub/callhub/hub/memstore"
)

// claimLog is a memory queue that notes what Claim hands out.
type claimLog struct {
	*memstore.Queue
	mu      sync.Mutex
	claimed []string
}

func (q *claimLog) Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]callback.Delivery, error) {
	ds, err := q.Queue.Claim(ctx, now, n, lease)
	q.mu.Lock()
	for _, d := range ds {
		q.claimed = append(q.claimed, d.ID)
	}
	q.mu.Unlock()
	return ds, err
}

func (q *claimLog) ids() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.claimed)
}

// TestEnqueueLeasesWithoutClaim: a callback due at once is leased as it
// is queued and attempted by the instance that queued it, without a
// claim.
func TestEnqueueLeasesWithoutClaim(t *testing.T) {
	h := newHook(t, nil)
	q := &claimLog{Queue: &memstore.Queue{}}
	d, err := callback.New(callback.Config{Queue: q, Health: &memstore.Health{}, Poll: time.Hour,
		Callers: []callback.Caller{{ID: "shop", CallbackBase: h.srv.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	hubtest.RunDeliverer(t, d)
	cb := hub.Callback{URL: "/cb", Method: http.MethodPost}
	enqueue(t, d, "shop", "warm", 1, cb, `{}`) // delivered: Run is taking work
	waitState(t, q, "warm.1", callback.Delivered)
	enqueue(t, d, "shop", "c1", 1, cb, `{"n":1}`)
	waitState(t, q, "c1.1", callback.Delivered)
	if got := q.ids(); slices.Contains(got, "c1.1") {
		t.Errorf("Claim handed out %v; want not c1.1, leased as it was queued", got)
	}
	if n := len(h.got()); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
}

// TestEnqueueWithoutRun: with no Run taking work, a callback is queued
// as before, unleased, for whichever instance claims first.
func TestEnqueueWithoutRun(t *testing.T) {
	q := &memstore.Queue{}
	d, err := callback.New(callback.Config{Queue: q, Health: &memstore.Health{},
		Callers: []callback.Caller{{ID: "shop", CallbackBase: "http://127.0.0.1:1"}}})
	if err != nil {
		t.Fatal(err)
	}
	enqueue(t, d, "shop", "c1", 1, hub.Callback{URL: "/cb", Method: http.MethodPost}, `{}`)
	ds, err := q.Claim(context.Background(), time.Now(), 10, time.Minute)
	if err != nil || len(ds) != 1 || ds[0].ID != "c1.1" {
		t.Fatalf("Claim = %+v, %v; want c1.1, unleased", ds, err)
	}
}
