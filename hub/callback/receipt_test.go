package callback_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
)

// acks is a hand-written Acks: every reply was acknowledged at at (none
// when at is zero), or reading fails with err.
type acks struct {
	at  time.Time
	err error
}

func (a acks) AckedAt(context.Context, string, string) (time.Time, bool, error) {
	return a.at, !a.at.IsZero(), a.err
}

// TestUnackedCallback: with callback.when unacked, a delivery waits
// afterMs after its reply was stored, and ends skipped, unattempted, only
// when the reply was acknowledged by then; acknowledgements that cannot
// be read send it.
func TestUnackedCallback(t *testing.T) {
	stored := time.Now().Add(-time.Hour).Truncate(time.Millisecond) // afterMs long past: due at once
	after := 5000
	ackBy := stored.Add(5 * time.Second)
	tests := []struct {
		name string
		acks acks
		want string
	}{
		{"acknowledged in time", acks{at: ackBy}, callback.Skipped},
		{"acknowledged too late", acks{at: ackBy.Add(time.Millisecond)}, callback.Delivered},
		{"not acknowledged", acks{}, callback.Delivered},
		{"acknowledgements unreadable", acks{at: stored, err: errors.New("store down")}, callback.Delivered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHook(t, nil)
			d, q := startDeliverer(t, callback.Config{Callers: []callback.Caller{shop(h)}, Acks: tt.acks})
			cb := hub.Callback{URL: "/cb", Method: "POST", When: hub.CallbackUnacked, AfterMs: &after}
			r := hub.Reply{CID: "c1", Seq: 1, IsEnd: true, Offset: "1-0", At: stored}
			if err := d.Enqueue(context.Background(), hub.Record{CID: "c1", Caller: "shop", Callback: &cb}, r); err != nil {
				t.Fatal(err)
			}
			dl := waitState(t, q, "c1.1", tt.want)
			if !dl.AckBy.Equal(ackBy) {
				t.Errorf("ackBy = %v, want the reply's time plus afterMs, %v", dl.AckBy, ackBy)
			}
			if n := len(h.got()); (n == 0) != (tt.want == callback.Skipped) {
				t.Errorf("%d attempts for a delivery ending %s", n, tt.want)
			}
		})
	}
}

// TestUnackedCallbackWaits: the delivery is first due afterMs after its
// reply was stored.
func TestUnackedCallbackWaits(t *testing.T) {
	clk := newClock()
	h := newHook(t, nil)
	d, q := startDeliverer(t, callback.Config{Callers: []callback.Caller{shop(h)}, Acks: acks{}, Now: clk.Now})
	after := 60000
	cb := hub.Callback{URL: "/cb", When: hub.CallbackUnacked, AfterMs: &after}
	r := hub.Reply{CID: "c1", Seq: 1, IsEnd: true, Offset: "1-0", At: clk.Now()}
	if err := d.Enqueue(context.Background(), hub.Record{CID: "c1", Caller: "shop", Callback: &cb}, r); err != nil {
		t.Fatal(err)
	}
	dl, err := q.Get(context.Background(), "c1.1")
	if err != nil || dl.State != callback.Pending || !dl.NextAttemptAt.Equal(clk.Now().Add(time.Minute)) {
		t.Fatalf("queued %+v, %v; want pending, due a minute after the reply", dl, err)
	}
	clk.Advance(time.Minute)
	waitState(t, q, "c1.1", callback.Delivered)
}
