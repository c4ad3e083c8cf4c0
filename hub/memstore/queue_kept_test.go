package memstore

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
)

// TestKeptHasEveryField: kept holds every field of callback.Delivery,
// with its type, but the two attemptable keeps apart; a field Delivery
// gains is not silently dropped by the memory queue.
func TestKeptHasEveryField(t *testing.T) {
	dt, kt := reflect.TypeFor[callback.Delivery](), reflect.TypeFor[kept]()
	apart := map[string]bool{"Reply": true, "TraceParent": true}
	for f := range dt.Fields() {
		if apart[f.Name] {
			continue
		}
		if k, ok := kt.FieldByName(f.Name); !ok || k.Type != f.Type {
			t.Errorf("kept lacks Delivery's field %s %s", f.Name, f.Type)
		}
	}
	if kt.NumField() != dt.NumField()-len(apart) {
		t.Errorf("kept has %d fields, want Delivery's %d but %d", kt.NumField(), dt.NumField(), len(apart))
	}
}

// TestMemDeliveryRoundTrip: a delivery that may be attempted again comes
// back whole; a delivered or skipped one keeps all but its reply (its
// offset stays) and its trace.
func TestMemDeliveryRoundTrip(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	d := callback.Delivery{ID: "c.2", CID: "c", Seq: 2, Caller: "shop", URL: "http://127.0.0.1:9/cb", Method: "PUT",
		Reply: hub.Reply{CID: "c", Seq: 2, Msg: "ok", Data: json.RawMessage(`{"a":1}`), Offset: "2-0", Prev: "1-0", At: at},
		State: callback.Pending, Attempts: 3, LastStatus: 503, LastError: "busy", NextAttemptAt: at.Add(time.Second),
		AckBy: at.Add(2 * time.Second), AttemptLog: []hub.Attempt{{At: at, Status: 503}}, Replay: true,
		CreatedAt: at, UpdatedAt: at.Add(3 * time.Second), Legacy: true, TraceParent: "00-abc-def-01"}
	for f, v := range reflect.ValueOf(d).Fields() {
		if v.IsZero() {
			t.Fatalf("the test's delivery leaves %s out: set it", f.Name)
		}
	}
	var m memDelivery
	for _, state := range []string{callback.Pending, callback.Failed, callback.Dead} {
		d.State = state
		m.set(d)
		if got := m.delivery(); !reflect.DeepEqual(got, d) {
			t.Errorf("%s: got back %+v, want %+v", state, got, d)
		}
	}
	for _, state := range []string{callback.Delivered, callback.Skipped} {
		d.State = state
		m.set(d)
		want := d
		want.Reply, want.TraceParent = hub.Reply{Offset: d.Reply.Offset}, ""
		if got := m.delivery(); !reflect.DeepEqual(got, want) || m.attemptable != nil {
			t.Errorf("%s: got back %+v (reply kept: %v), want %+v", state, got, m.attemptable != nil, want)
		}
	}
	d.State = callback.Pending // a replay: pending again, with its reply
	m.set(d)
	if got := m.delivery(); !reflect.DeepEqual(got, d) {
		t.Errorf("replayed: got back %+v, want %+v", got, d)
	}
}

// TestQueuePrunesOutOfOrder: a cid whose seqs came out of order, pruned
// in the middle, still finds and claims what is left, in seq order.
func TestQueuePrunesOutOfOrder(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	q := &Queue{Retention: time.Second}
	for _, seq := range []int{5, 2, 9, 1, 7} {
		q.Add(ctx, pending("c", seq, t0))
	}
	for i, seq := range []int{9, 1, 7} {
		d, _ := q.Get(ctx, callback.DeliveryID("c", seq))
		d.State, d.UpdatedAt = callback.Dead, t0.Add(time.Duration(i)*time.Second)
		q.Save(ctx, d)
	}
	q.Claim(ctx, t0.Add(2500*time.Millisecond), 0, time.Minute) // prunes 9 and 1
	ds, _ := q.ForCID(ctx, "c")
	var seqs []int
	for _, d := range ds {
		seqs = append(seqs, d.Seq)
	}
	if !slices.Equal(seqs, []int{2, 5, 7}) {
		t.Errorf("ForCID after pruning = seqs %v, want [2 5 7]", seqs)
	}
	for _, seq := range []int{2, 5, 7} {
		if _, err := q.Get(ctx, callback.DeliveryID("c", seq)); err != nil {
			t.Errorf("Get(c.%d) after pruning: %v", seq, err)
		}
	}
	if _, err := q.Get(ctx, "c.02"); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf(`Get("c.02") = %v, want ErrNotFound: only c.2 names it`, err)
	}
	for _, seq := range []int{9, 1} {
		if _, err := q.Get(ctx, callback.DeliveryID("c", seq)); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("Get(c.%d) after its retention = %v, want ErrNotFound", seq, err)
		}
	}
	if got, _ := q.Claim(ctx, t0.Add(3*time.Second), 10, time.Minute); len(got) != 1 || got[0].Seq != 2 {
		t.Errorf("Claim after pruning = %+v, want c.2 alone (c.5 waits behind it)", got)
	}
}

// TestCIDQueueSearch: a cid's deliveries are found by seq whether their
// seqs run on from the first or have holes (pruned, or never sent), and
// an absent seq is where it would go, wherever the cid's head is.
func TestCIDQueueSearch(t *testing.T) {
	for _, seqs := range [][]int{nil, {1}, {1, 2, 3, 4}, {3, 4, 5}, {1, 2, 5, 7, 8}, {2, 9, 10, 11}} {
		var c cidQueue
		for _, s := range seqs {
			m := &memDelivery{}
			m.Seq = s
			c.list = append(c.list, m)
		}
		for k := range 13 * (len(seqs) + 1) {
			seq := k % 13
			c.done = k / 13 // the head anywhere, as far as past the end
			want, wantOK := len(seqs), false
			for i, s := range seqs {
				if s >= seq {
					want, wantOK = i, s == seq
					break
				}
			}
			if i, ok := c.search(seq); i != want || ok != wantOK {
				t.Errorf("seqs %v, head %d: search(%d) = %d, %v; want %d, %v", seqs, c.done, seq, i, ok, want, wantOK)
			}
			if m := c.find(seq); (m != nil) != wantOK || (m != nil && m.Seq != seq) {
				t.Errorf("seqs %v, head %d: find(%d) = %v", seqs, c.done, seq, m)
			}
		}
	}
}
