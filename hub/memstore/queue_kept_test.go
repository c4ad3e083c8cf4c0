package memstore

import (
	"encoding/json"
	"reflect"
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
