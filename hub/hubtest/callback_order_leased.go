package hubtest

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/internal/testwait"
)

// testCallbackOrderAfterFailedLease is testCallbackOrderAfterFailedEnqueue
// with Run taking work from the start, so that each callback is queued
// by AddLeased where the queue has it: seq 1's fails, seq 2 waits
// behind the gap, and the service's retry of seq 1 leases it to this
// instance; then 1 goes first.
func testCallbackOrderAfterFailedLease(t *testing.T, b Backend) {
	if b.Queue == nil || b.Health == nil {
		t.Skip("backend has no Queue or Health")
	}
	ctx := context.Background()
	cid, warm := create(t, b.Store), create(t, b.Store)
	recv := &seqReceiver{cid: cid}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	h, d, q := failOnceHub(t, b, cid, srv.URL)
	RunDeliverer(t, d)
	post := func(cid string, seq int, end bool) error {
		_, _, err := h.PostReply(ctx, cid, hub.ReplyInput{Seq: seq, IsEnd: ptr(end)})
		return err
	}
	if err := post(warm, 1, true); err != nil {
		t.Fatalf("PostReply(warm): %v", err)
	}
	testwait.Until(t, "the warm-up callback", func() bool { // then Run is taking work
		dl, err := b.Queue.Get(ctx, callback.DeliveryID(warm, 1))
		return err == nil && dl.State == callback.Delivered
	})
	if err := post(cid, 1, false); !errors.Is(err, errQueueDown) {
		t.Fatalf("PostReply(seq 1) = %v, want the queue's failure", err)
	}
	if err := post(cid, 2, true); err != nil {
		t.Fatalf("PostReply(seq 2): %v", err)
	}
	if err := post(cid, 1, false); err != nil { // the service retries
		t.Fatalf("PostReply(seq 1) again: %v", err)
	}
	testwait.Until(t, "both callbacks", func() bool { return len(recv.got()) >= 2 })
	if got := recv.got(); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("callbacks received for seqs %v, want [1 2]", got)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.leased < 3 {
		t.Errorf("%d AddLeased calls, want at least the 3 of cid: Run was taking work", q.leased)
	}
}
