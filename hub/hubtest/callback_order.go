package hubtest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/internal/testwait"
)

// failOnce is a Queue whose Add fails once, for one (cid, seq).
type failOnce struct {
	callback.Queue
	cid string
	seq int

	mu     sync.Mutex
	failed bool
	leased int // AddLeased calls
}

var errQueueDown = errors.New("hubtest: queue down")

func (q *failOnce) Add(ctx context.Context, d callback.Delivery) error {
	if q.fail(d) {
		return errQueueDown
	}
	return q.Queue.Add(ctx, d)
}

// AddLeased is the queue's own when it has one, so that the Deliverer
// takes the leased path on this queue as on the bare one.
func (q *failOnce) AddLeased(ctx context.Context, d callback.Delivery, now time.Time, lease time.Duration) (bool, error) {
	q.mu.Lock()
	q.leased++
	q.mu.Unlock()
	if q.fail(d) {
		return false, errQueueDown
	}
	if al, ok := q.Queue.(callback.AddLeaser); ok {
		return al.AddLeased(ctx, d, now, lease)
	}
	return false, q.Queue.Add(ctx, d)
}

// Unlease is the queue's own when it has one.
func (q *failOnce) Unlease(ctx context.Context, d callback.Delivery, until time.Time) error {
	if al, ok := q.Queue.(callback.AddLeaser); ok {
		return al.Unlease(ctx, d, until)
	}
	return nil
}

// fail reports whether adding d fails: the first time for (cid, seq).
func (q *failOnce) fail(d callback.Delivery) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	fail := !q.failed && d.CID == q.cid && d.Seq == q.seq
	q.failed = q.failed || fail
	return fail
}

// seqReceiver is a callback endpoint that records the seqs it receives,
// of cid only when cid is set.
type seqReceiver struct {
	cid  string
	mu   sync.Mutex
	seqs []int
}

func (r *seqReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var body struct {
		CID string
		Seq int
	}
	b, _ := io.ReadAll(req.Body)
	_ = json.Unmarshal(b, &body)
	if r.cid != "" && body.CID != r.cid {
		return
	}
	r.mu.Lock()
	r.seqs = append(r.seqs, body.Seq)
	r.mu.Unlock()
}

func (r *seqReceiver) got() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.seqs...)
}

// failOnceHub starts a hub on the backend whose Deliverer's queue fails
// the first Add of cid's seq 1 (failOnce), with callbacks of caller
// "shop" to base; the hub closes with the test.
func failOnceHub(t *testing.T, b Backend, cid, base string) (*hub.Hub, *callback.Deliverer, *failOnce) {
	t.Helper()
	q := &failOnce{Queue: b.Queue, cid: cid, seq: 1}
	d, err := callback.New(callback.Config{Queue: q, Health: b.Health, Poll: 10 * time.Millisecond,
		Callers: []callback.Caller{{ID: "shop", CallbackBase: base}}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(hub.Config{Store: b.Store, Broker: b.Broker, Secret: []byte("s"), Deliveries: d})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h, d, q
}

// testCallbackOrderAfterFailedEnqueue runs a hub and a Deliverer on the
// backend: queueing seq 1's callback fails (the service gets an error),
// seq 2's succeeds. Seq 2 is not delivered until the service's retry of
// seq 1 queues it; then 1 goes first.
func testCallbackOrderAfterFailedEnqueue(t *testing.T, b Backend) {
	if b.Queue == nil || b.Health == nil {
		t.Skip("backend has no Queue or Health")
	}
	ctx := context.Background()
	recv := &seqReceiver{}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	cid := create(t, b.Store) // caller "shop", callback "/cb"
	h, d, _ := failOnceHub(t, b, cid, srv.URL)
	post := func(seq int) error {
		_, _, err := h.PostReply(ctx, cid, hub.ReplyInput{Seq: seq, IsEnd: ptr(seq == 2)})
		return err
	}
	if err := post(1); !errors.Is(err, errQueueDown) {
		t.Fatalf("PostReply(seq 1) = %v, want the queue's failure", err)
	}
	if err := post(2); err != nil {
		t.Fatalf("PostReply(seq 2): %v", err)
	}
	if ds, err := b.Queue.Claim(ctx, time.Now().Add(time.Hour), 100, time.Minute); err != nil || len(ds) != 0 {
		t.Fatalf("Claim = %+v, %v; want nothing while seq 1 is stored but not queued", ds, err)
	}
	RunDeliverer(t, d)
	if err := post(1); err != nil { // the service retries
		t.Fatalf("PostReply(seq 1) again: %v", err)
	}
	testwait.Until(t, "both callbacks", func() bool { return len(recv.got()) >= 2 })
	if got := recv.got(); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("callbacks received for seqs %v, want [1 2]", got)
	}
}

// RunDeliverer runs d until the test ends, and fails the test if Run
// returns an error.
func RunDeliverer(t testing.TB, d *callback.Deliverer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}
