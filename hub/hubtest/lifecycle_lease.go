package hubtest

import (
	"context"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
)

// testTimerSetAtLeaseEnd: a timer set again to the very end of the lease
// its claim took is set, not leased: the claim's DropTimer leaves it,
// and it is claimed at that time.
func testTimerSetAtLeaseEnd(t *testing.T, b Backend) {
	ctx := context.Background()
	t0 := time.UnixMilli(time.Now().UnixMilli())
	tm := hub.Timer{CID: newCID(t), Kind: hub.TimerStall, At: t0}
	if err := b.Store.SetTimer(ctx, tm); err != nil {
		t.Fatal(err)
	}
	got := claimTimersOf(t, b.Store, tm.CID, t0)
	if len(got) != 1 || !got[0].At.Equal(t0.Add(time.Minute)) {
		t.Fatalf("claim when due = %v; want the stall timer leased until %v", got, t0.Add(time.Minute))
	}
	if err := b.Store.SetTimer(ctx, hub.Timer{CID: tm.CID, Kind: tm.Kind, At: got[0].At}); err != nil {
		t.Fatal(err)
	}
	if err := b.Store.DropTimer(ctx, got[0]); err != nil {
		t.Fatal(err)
	}
	if late := claimTimersOf(t, b.Store, tm.CID, got[0].At); len(late) != 1 {
		t.Fatalf("claim at the time it was set to = %v, want the stall timer: "+
			"the drop of the lease ending then removed it", late)
	}
}

// claimTimersOf claims the timers due at now, leased for a minute, and
// answers those of cid.
func claimTimersOf(t *testing.T, s hub.Store, cid string, now time.Time) []hub.Timer {
	t.Helper()
	ts, err := s.ClaimTimers(context.Background(), now, 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var mine []hub.Timer
	for _, x := range ts {
		if x.CID == cid {
			mine = append(mine, x)
		}
	}
	return mine
}
