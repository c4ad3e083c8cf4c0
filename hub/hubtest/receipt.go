package hubtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
)

// testAck: an ack covers every reply up to its offset, the first one
// fixes a reply's AckedAt, an ack never moves back, an offset between
// two replies covers the older, and an offset past the last reply or an
// unknown cid is refused.
func testAck(t *testing.T, b Backend) {
	ctx := context.Background()
	s := b.Store
	cid := create(t, s)
	r1, r2, r3 := appendReply(t, s, cid, 1, false), appendReply(t, s, cid, 2, false), appendReply(t, s, cid, 3, false)
	t0 := time.UnixMilli(time.Now().UnixMilli()).UTC()
	mustAck(t, s, cid, r2.Offset, t0)
	mustAck(t, s, cid, r1.Offset, t0.Add(time.Hour)) // backwards: nothing
	mustAck(t, s, cid, r2.Offset, t0.Add(time.Hour)) // again: nothing
	checkAcked(t, s, cid, "after acks up to reply 2", map[string]time.Time{r1.Offset: t0, r2.Offset: t0})
	mustAck(t, s, cid, between(r3.Offset), t0.Add(time.Minute)) // covers no new reply
	checkAcked(t, s, cid, "after an offset short of reply 3", map[string]time.Time{r1.Offset: t0, r2.Offset: t0})
	mustAck(t, s, cid, r3.Offset, t0.Add(2*time.Minute))
	want := map[string]time.Time{r1.Offset: t0, r2.Offset: t0, r3.Offset: t0.Add(2 * time.Minute)}
	checkAcked(t, s, cid, "after ack of reply 3", want)

	if err := s.Ack(ctx, cid, "99999999999999-0", t0); !errors.Is(err, hub.ErrInvalid) {
		t.Errorf("Ack past the last reply = %v, want ErrInvalid", err)
	}
	if err := s.Ack(ctx, newCID(t), "1-0", t0); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("Ack of an unknown cid = %v, want ErrNotFound", err)
	}
	empty := create(t, s)
	if err := s.Ack(ctx, empty, "1-0", t0); !errors.Is(err, hub.ErrInvalid) {
		t.Errorf("Ack of a cid without replies = %v, want ErrInvalid", err)
	}
}

// between is an offset before off and at or after every offset before
// it: off's sequence part less one, or the largest one of the
// millisecond before.
func between(off string) string {
	ms, n, _ := strings.Cut(off, "-")
	m, _ := strconv.ParseUint(ms, 10, 64)
	k, _ := strconv.ParseUint(n, 10, 64)
	if k > 0 {
		return fmt.Sprintf("%d-%d", m, k-1)
	}
	return fmt.Sprintf("%d-%d", m-1, uint64(math.MaxUint64))
}

func mustAck(t *testing.T, s hub.Store, cid, offset string, at time.Time) {
	t.Helper()
	if err := s.Ack(context.Background(), cid, offset, at); err != nil {
		t.Fatalf("Ack(%s, %s) = %v", cid, offset, err)
	}
}

// checkAcked compares each reply's AckedAt in the record, and AckedAt,
// with want (offset → time; missing: not acked).
func checkAcked(t *testing.T, s hub.Store, cid, when string, want map[string]time.Time) {
	t.Helper()
	rec, err := s.Get(context.Background(), cid)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rec.Replies {
		w, acked := want[r.Offset]
		if got := r.AckedAt; (got != nil) != acked || acked && !got.Equal(w) {
			t.Errorf("%s: reply %d ackedAt %v, want %v (acked %v)", when, r.Seq, got, w, acked)
		}
		at, ok, err := s.AckedAt(context.Background(), cid, r.Offset)
		if err != nil || ok != acked || acked && !at.Equal(w) {
			t.Errorf("%s: AckedAt(reply %d) = %v, %v, %v; want %v, %v", when, r.Seq, at, ok, err, w, acked)
		}
	}
}

// testQueueSkipped: a skipped delivery ends like a delivered one: the
// next seq of its cid is claimed, and it is listed by its state.
func testQueueSkipped(t *testing.T, q callback.Queue) {
	ctx := context.Background()
	now := time.Now()
	cid := newCID(t)
	d1, d2 := delivery(cid, 1, now), delivery(cid, 2, now)
	d1.AckBy = now.Truncate(time.Millisecond).UTC()
	addAll(t, q, d1, d2)
	ds, err := q.Claim(ctx, now, 100, time.Minute)
	if err != nil || len(ds) != 1 || ds[0].ID != d1.ID || !ds[0].AckBy.Equal(d1.AckBy) {
		t.Fatalf("first claim = %+v, %v; want %s with its ackBy", ds, err, d1.ID)
	}
	skipped := ds[0]
	skipped.State, skipped.UpdatedAt = callback.Skipped, now
	if err := q.Save(ctx, skipped); err != nil {
		t.Fatal(err)
	}
	if ids := claimIDs(t, q, now); len(ids) != 1 || ids[0] != d2.ID {
		t.Fatalf("claim after seq 1 skipped = %v, want %s", ids, d2.ID)
	}
	page, _, err := q.List(ctx, callback.Filter{State: callback.Skipped, Since: now.Add(-time.Second)})
	var found bool
	for _, d := range page {
		found = found || d.ID == d1.ID
	}
	if err != nil || !found {
		t.Errorf("List(state skipped) = %d deliveries, %v; want %s among them", len(page), err, d1.ID)
	}
	if got, err := q.Get(ctx, d1.ID); err != nil || got.State != callback.Skipped || got.CID != cid || got.Seq != 1 {
		t.Errorf("Get = %+v, %v; want skipped %s", got, err, d1.ID)
	}
}
