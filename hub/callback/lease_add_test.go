package callback_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/hubtest"
	"github.com/callhub/callhub/hub/memstore"
	"github.com/callhub/callhub/internal/testwait"
)

// queueLog is a memory queue that notes what Claim hands out and what
// AddLeased answers.
type queueLog struct {
	*memstore.Queue
	mu      sync.Mutex
	claimed []string
	leased  []bool
}

func (q *queueLog) Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]callback.Delivery, error) {
	ds, err := q.Queue.Claim(ctx, now, n, lease)
	q.mu.Lock()
	for _, d := range ds {
		q.claimed = append(q.claimed, d.ID)
	}
	q.mu.Unlock()
	return ds, err
}

func (q *queueLog) AddLeased(ctx context.Context, d callback.Delivery, now time.Time, lease time.Duration) (bool, error) {
	ok, err := q.Queue.AddLeased(ctx, d, now, lease)
	q.mu.Lock()
	q.leased = append(q.leased, ok)
	q.mu.Unlock()
	return ok, err
}

func (q *queueLog) ids() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.claimed)
}

func (q *queueLog) answers() []bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.leased)
}

// TestEnqueueLeasesWithoutClaim: a callback due at once is leased as it
// is queued and attempted by the instance that queued it, without a
// claim.
func TestEnqueueLeasesWithoutClaim(t *testing.T) {
	h := newHook(t, nil)
	q := &queueLog{Queue: &memstore.Queue{}}
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

// unsure is a memory queue whose AddLeased fails for one cid after it
// has run, as a timeout or a write not replicated in time does.
type unsure struct {
	*memstore.Queue
	cid string
}

var errUnsure = errors.New("write not replicated in time")

func (q unsure) AddLeased(ctx context.Context, d callback.Delivery, now time.Time, lease time.Duration) (bool, error) {
	leased, err := q.Queue.AddLeased(ctx, d, now, lease)
	if d.CID == q.cid {
		return false, errUnsure
	}
	return leased, err
}

// startUnsure runs a deliverer on an unsure queue, on clk, until the test
// ends, Run taking work.
func startUnsure(t *testing.T, h *hook, q unsure, clk *clock) *callback.Deliverer {
	t.Helper()
	d, err := callback.New(callback.Config{Queue: q, Health: &memstore.Health{}, Poll: time.Hour, Now: clk.Now,
		Callers: []callback.Caller{{ID: "shop", CallbackBase: h.srv.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	hubtest.RunDeliverer(t, d)
	enqueue(t, d, "shop", "warm", 1, hub.Callback{URL: "/cb", Method: http.MethodPost}, `{}`)
	waitState(t, q, "warm.1", callback.Delivered) // Run is taking work
	return d
}

// TestEnqueueUnsureLeaseDueAtOnce: when AddLeased fails after it stored
// and leased the delivery, Enqueue answers the error and the delivery is
// due at once, as Add left it, not leased to nobody until the lease ends
// (the clock never moves here).
func TestEnqueueUnsureLeaseDueAtOnce(t *testing.T) {
	h := newHook(t, nil)
	q := unsure{&memstore.Queue{}, "c1"}
	d := startUnsure(t, h, q, newClock())
	cb := hub.Callback{URL: "/cb", Method: http.MethodPost}
	rec := hub.Record{CID: "c1", Caller: "shop", Callback: &cb}
	err := d.Enqueue(context.Background(), rec, hub.Reply{CID: "c1", Seq: 1, IsEnd: true, Offset: "1-0"})
	if !errors.Is(err, errUnsure) {
		t.Fatalf("Enqueue = %v, want the queue's error", err)
	}
	waitState(t, q, "c1.1", callback.Delivered)
}

// TestEnqueueUnsureLeaseKeepsEarlier: when AddLeased fails for a reply
// queued before (the service's retry), the earlier delivery keeps its
// lease, held by another instance attempting it.
func TestEnqueueUnsureLeaseKeepsEarlier(t *testing.T) {
	h := newHook(t, nil)
	q := unsure{&memstore.Queue{}, "c1"}
	clk := newClock()
	ctx := context.Background()
	before := clk.Now().Add(-time.Second)
	r := hub.Reply{CID: "c1", Seq: 1, IsEnd: true, Offset: "1-0"}
	earlier := callback.Delivery{ID: "c1.1", CID: "c1", Seq: 1, Caller: "shop", URL: h.srv.URL + "/cb",
		Method: http.MethodPost, Reply: r, State: callback.Pending, NextAttemptAt: before, CreatedAt: before, UpdatedAt: before}
	if err := q.Queue.Add(ctx, earlier); err != nil {
		t.Fatal(err)
	}
	if ds, err := q.Queue.Claim(ctx, clk.Now(), 10, time.Minute); err != nil || len(ds) != 1 {
		t.Fatalf("Claim = %+v, %v; want c1.1, for another instance", ds, err)
	}
	d := startUnsure(t, h, q, clk)
	cb := hub.Callback{URL: "/cb", Method: http.MethodPost}
	if err := d.Enqueue(ctx, hub.Record{CID: "c1", Caller: "shop", Callback: &cb}, r); !errors.Is(err, errUnsure) {
		t.Fatalf("Enqueue = %v, want the queue's error", err)
	}
	if ds, err := q.Queue.Claim(ctx, clk.Now(), 10, time.Minute); err != nil || len(ds) != 0 {
		t.Fatalf("Claim = %+v, %v; want nothing: c1.1 is still leased to the other instance", ds, err)
	}
	got, err := q.Get(ctx, "c1.1")
	if err != nil || !got.CreatedAt.Equal(before) {
		t.Fatalf("c1.1 = %+v, %v; want the earlier delivery, created at %s", got, err, before)
	}
}

// meanwhile is a memory queue whose AddLeased, for cid, runs, then lets
// another instance work (meanwhile), then fails: a write not replicated
// in time fails a second after its script ran. Its Claim hands out
// nothing once muted: the test's own claims stand for the other
// instance.
type meanwhile struct {
	*memstore.Queue
	cid       string
	meanwhile func()
	mute      *atomic.Bool
}

func (q meanwhile) AddLeased(ctx context.Context, d callback.Delivery, now time.Time, lease time.Duration) (bool, error) {
	leased, err := q.Queue.AddLeased(ctx, d, now, lease)
	if d.CID != q.cid {
		return leased, err
	}
	q.meanwhile()
	return false, errUnsure
}

func (q meanwhile) Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]callback.Delivery, error) {
	if q.mute.Load() {
		return nil, nil
	}
	return q.Queue.Claim(ctx, now, n, lease)
}

// TestEnqueueUnsureLeaseKeepsClaimed: when AddLeased fails after it
// stored seq 2 behind seq 1, and meanwhile another instance delivered
// seq 1 and claimed seq 2, whose attempt is in flight, the claim keeps
// its lease: seq 2 is not due for a second attempt beside the first. It
// was (same state, no attempt stored yet, same creation time), when
// Enqueue gave back the lease by saving the delivery.
func TestEnqueueUnsureLeaseKeepsClaimed(t *testing.T) {
	h := newHook(t, nil)
	clk := newClock()
	ctx := context.Background()
	mem := &memstore.Queue{}
	first := callback.Delivery{ID: "c1.1", CID: "c1", Seq: 1, Caller: "shop", URL: h.srv.URL + "/cb",
		Method: http.MethodPost, Reply: hub.Reply{CID: "c1", Seq: 1, Offset: "1-0"}, State: callback.Pending,
		NextAttemptAt: clk.Now(), CreatedAt: clk.Now(), UpdatedAt: clk.Now()}
	if err := mem.Add(ctx, first); err != nil {
		t.Fatal(err)
	}
	if ds, err := mem.Claim(ctx, clk.Now(), 10, time.Minute); err != nil || len(ds) != 1 {
		t.Fatalf("Claim = %+v, %v; want c1.1, for the other instance", ds, err)
	}
	q := meanwhile{Queue: mem, cid: "c1", mute: &atomic.Bool{}, meanwhile: func() {
		first.State, first.Attempts = callback.Delivered, 1
		if err := mem.Save(ctx, first); err != nil {
			t.Error(err)
		}
		if ds, err := mem.Claim(ctx, clk.Now(), 10, time.Minute); err != nil || len(ds) != 1 || ds[0].ID != "c1.2" {
			t.Errorf("Claim = %+v, %v; want c1.2, for the other instance", ds, err)
		}
	}}
	d, err := callback.New(callback.Config{Queue: q, Health: &memstore.Health{}, Poll: time.Hour, Now: clk.Now,
		Callers: []callback.Caller{{ID: "shop", CallbackBase: h.srv.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	hubtest.RunDeliverer(t, d)
	cb := hub.Callback{URL: "/cb", Method: http.MethodPost}
	enqueue(t, d, "shop", "warm", 1, cb, `{}`)
	waitState(t, q, "warm.1", callback.Delivered) // Run is taking work
	q.mute.Store(true)
	r := hub.Reply{CID: "c1", Seq: 2, IsEnd: true, Offset: "2-0", Prev: "1-0"}
	if err := d.Enqueue(ctx, hub.Record{CID: "c1", Caller: "shop", Callback: &cb}, r); !errors.Is(err, errUnsure) {
		t.Fatalf("Enqueue = %v, want the queue's error", err)
	}
	if ds, err := mem.Claim(ctx, clk.Now(), 10, time.Minute); err != nil || len(ds) != 0 {
		t.Fatalf("Claim = %v, %v; want nothing: c1.2 is leased to the other instance, its attempt in flight", ids(ds), err)
	}
}

func ids(ds []callback.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

// heldClaim is a memory queue whose first Claim waits, once it is
// called (in), until released, and closes out when it has claimed.
type heldClaim struct {
	*memstore.Queue
	in, release, out chan struct{}
	held             bool // read by Run's goroutine only
}

func (q *heldClaim) Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]callback.Delivery, error) {
	if q.held {
		return q.Queue.Claim(ctx, now, n, lease)
	}
	q.held = true
	close(q.in)
	<-q.release
	defer close(q.out)
	return q.Queue.Claim(ctx, now, n, lease)
}

// TestClaimWithoutFreeWorkerPutBack: an Enqueue that leases the worker
// Run counted on while Run claims leaves Run a delivery it cannot start;
// Run puts it back in the queue, due at once, instead of waiting for a
// worker while its lease runs (the clock never moves here).
func TestClaimWithoutFreeWorkerPutBack(t *testing.T) {
	park := make(chan struct{})
	h := newHook(t, func(int, http.ResponseWriter, *http.Request) int { <-park; return 200 })
	clk := newClock()
	q := &heldClaim{Queue: &memstore.Queue{}, in: make(chan struct{}), release: make(chan struct{}),
		out: make(chan struct{})}
	ctx := context.Background()
	r := hub.Reply{CID: "x", Seq: 1, IsEnd: true, Offset: "1-0"}
	x := callback.Delivery{ID: "x.1", CID: "x", Seq: 1, Caller: "shop", URL: h.srv.URL + "/cb", Method: http.MethodPost,
		Reply: r, State: callback.Pending, NextAttemptAt: clk.Now(), CreatedAt: clk.Now(), UpdatedAt: clk.Now()}
	if err := q.Queue.Add(ctx, x); err != nil {
		t.Fatal(err)
	}
	d, err := callback.New(callback.Config{Queue: q, Health: &memstore.Health{}, Poll: time.Hour, Now: clk.Now,
		Workers: 1, Callers: []callback.Caller{{ID: "shop", CallbackBase: h.srv.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	hubtest.RunDeliverer(t, d)
	t.Cleanup(func() { close(park) }) // before Run ends: its attempt returns
	<-q.in                            // Run counted one free worker and claims
	enqueue(t, d, "shop", "y", 1, hub.Callback{URL: "/cb", Method: http.MethodPost}, `{}`)
	testwait.Until(t, "y's attempt", func() bool { return len(h.got()) == 1 })
	close(q.release)
	<-q.out // Run holds x.1, leased
	testwait.Until(t, "x.1 due again for another instance", func() bool {
		ds, err := q.Queue.Claim(ctx, clk.Now(), 10, time.Minute)
		return err == nil && len(ds) == 1 && ds[0].ID == "x.1"
	})
	if got, err := q.Get(ctx, "x.1"); err != nil || got.Attempts != 0 {
		t.Errorf("x.1 = %+v, %v; want put back unattempted", got, err)
	}
}

// TestEnqueueTwiceAtOnceLeasesOnce: the same reply queued twice in the
// same instant (the service sent it twice at once) is leased, and
// attempted, once: each lease an instance takes as it queues ends at a
// time of its own, and only an AddLeased that finds its own lease (the
// same call, sent again) answers leased.
func TestEnqueueTwiceAtOnceLeasesOnce(t *testing.T) {
	held := make(chan struct{})
	h := newHook(t, func(n int, _ http.ResponseWriter, _ *http.Request) int {
		if n > 1 {
			<-held // the first attempt of c1.1 stays in flight
		}
		return http.StatusOK
	})
	clk := newClock() // never moves
	q := &queueLog{Queue: &memstore.Queue{}}
	d, err := callback.New(callback.Config{Queue: q, Health: &memstore.Health{}, Poll: time.Hour, Now: clk.Now,
		Callers: []callback.Caller{{ID: "shop", CallbackBase: h.srv.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	hubtest.RunDeliverer(t, d)
	t.Cleanup(func() { close(held) })
	cb := hub.Callback{URL: "/cb", Method: http.MethodPost}
	enqueue(t, d, "shop", "warm", 1, cb, `{}`) // delivered: Run is taking work
	waitState(t, q, "warm.1", callback.Delivered)
	enqueue(t, d, "shop", "c1", 1, cb, `{}`)
	enqueue(t, d, "shop", "c1", 1, cb, `{}`)
	if got := q.answers(); len(got) < 2 || !slices.Equal(got[len(got)-2:], []bool{true, false}) {
		t.Errorf("AddLeased answered %v; want the first c1.1 leased, the second not (last two)", got)
	}
}
