package redisstore

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/redis/go-redis/v9"
)

// TestClaimTimersLostSetAtLeaseEnd: a timer claim's answer is lost, and
// the timer it leased is then set again to the very millisecond that
// lease ends (a stall check moved there): the next ClaimTimers, which
// sends the lost call again, does not take it for the lost claim's lease
// and fire it early; it is claimed at the time it was set to.
func TestClaimTimersLostSetAtLeaseEnd(t *testing.T) {
	px := proxied(t)
	testTimerLostSetAtLeaseEnd(t, openThrough(t, px, "leaseend:", time.Second), onlyProxy(px))
}

// TestClusterClaimTimersLostSetAtLeaseEnd: the same on a 3-master
// Cluster.
func TestClusterClaimTimersLostSetAtLeaseEnd(t *testing.T) {
	c, pxOf := clusterProxied(t)
	testTimerLostSetAtLeaseEnd(t, openCluster(t, c, 0), pxOf)
}

func testTimerLostSetAtLeaseEnd(t *testing.T, s *Store, pxOf func(key string) *redistest.Proxy) {
	ctx := context.Background()
	now := time.UnixMilli(time.Now().UnixMilli())
	a := hub.Timer{CID: cidIn(14, "c"), Kind: hub.TimerStall, At: now}
	loseTimerClaim(t, s, pxOf, a)
	end := now.Add(time.Minute)
	if err := s.SetTimer(ctx, hub.Timer{CID: a.CID, Kind: a.Kind, At: end}); err != nil {
		t.Fatal(err)
	}
	if got := claimTimers(t, s, now.Add(time.Second), a.CID); len(got) != 0 {
		t.Errorf("the ClaimTimers after the lost one = %v, want nothing: %s was set to %v since", got, a.CID, end)
	}
	if got := claimTimers(t, s, end, a.CID); len(got) != 1 {
		t.Errorf("a ClaimTimers at %v = %v, want %s, set to then", end, got, a.CID)
	}
}

// TestClaimTimersLostClockBack: a timer claim's answer is lost, and the
// next ClaimTimers, which sends it again, runs on a clock stepped back 5
// s: the timer stays leased until the end the lost claim took (a lease
// is never shortened) and is answered with that end, so that the
// DropTimer after it fired removes it; a ClaimTimers at that end does
// not fire it a second time.
func TestClaimTimersLostClockBack(t *testing.T) {
	px := proxied(t)
	testTimerLostClockBack(t, openThrough(t, px, "clockback:", time.Second), onlyProxy(px))
}

// TestClusterClaimTimersLostClockBack: the same on a 3-master Cluster.
func TestClusterClaimTimersLostClockBack(t *testing.T) {
	c, pxOf := clusterProxied(t)
	testTimerLostClockBack(t, openCluster(t, c, 0), pxOf)
}

func testTimerLostClockBack(t *testing.T, s *Store, pxOf func(key string) *redistest.Proxy) {
	ctx := context.Background()
	now := time.UnixMilli(time.Now().UnixMilli())
	a := hub.Timer{CID: cidIn(14, "c"), Kind: hub.TimerDeadline, At: now}
	loseTimerClaim(t, s, pxOf, a)
	end := now.Add(time.Minute)
	got := claimTimers(t, s, now.Add(-5*time.Second), a.CID)
	if len(got) != 1 || !got[0].At.Equal(end) {
		t.Fatalf("the ClaimTimers after the lost one, 5 s earlier = %v; want %s leased until %v, the end the lost one took",
			got, a.CID, end)
	}
	if err := s.DropTimer(ctx, got[0]); err != nil {
		t.Fatal(err)
	}
	if again := claimTimers(t, s, end, a.CID); len(again) != 0 {
		t.Errorf("a ClaimTimers at %v = %v, want nothing: %s fired and was dropped", end, again, a.CID)
	}
}

// loseTimerClaim sets a (due at a.At) and makes s claim it at a.At with
// a lease of a minute, the answer lost on the connection to the node
// pxOf names for a's partition: the call is left for the next
// ClaimTimers to send again.
func loseTimerClaim(t *testing.T, s *Store, pxOf func(key string) *redistest.Proxy, a hub.Timer) {
	t.Helper()
	ctx := context.Background()
	warm := hub.Timer{CID: cidIn(3, "warm"), Kind: hub.TimerDeadline, At: a.At}
	if err := s.SetTimer(ctx, warm); err != nil {
		t.Fatal(err)
	}
	if got := claimTimers(t, s, a.At, warm.CID); len(got) != 1 { // loads the script
		t.Fatalf("warm-up ClaimTimers = %v, want the warm-up timer", got)
	}
	if err := s.SetTimer(ctx, a); err != nil {
		t.Fatal(err)
	}
	sha := []byte(timerClaimScript.Hash())
	px := pxOf(s.pkey(partitionOf(a.CID), "timers"))
	px.LoseAnswer(func(sent []byte) bool { return bytes.Contains(sent, sha) })
	if got, err := s.ClaimTimers(ctx, a.At, 10, time.Minute); err == nil {
		t.Fatalf("ClaimTimers whose answer was lost = %v, want an error", got)
	}
	if px.AnswerArmed() {
		t.Fatal("no timer claim script went through the proxy")
	}
}

// claimTimers claims for s the timers due at now, leased for a minute,
// and answers those of cid.
func claimTimers(t *testing.T, s *Store, now time.Time, cid string) []hub.Timer {
	t.Helper()
	ts, err := s.ClaimTimers(context.Background(), now, 10, time.Minute)
	if err != nil {
		t.Fatalf("ClaimTimers at %v = %v", now, err)
	}
	return slices.DeleteFunc(ts, func(x hub.Timer) bool { return x.CID != cid })
}

// TestTimerLeasedByPreviousRelease: a timer the previous release leased
// has the whole millisecond its lease ends as its score: it is due again
// then, and this release's claim leases it as its own (its score half a
// millisecond before the new lease's end, read as that end), which the
// DropTimer after it fired removes.
func TestTimerLeasedByPreviousRelease(t *testing.T) {
	s, _, _ := openQueueOn(t, "prevlease:")
	ctx := context.Background()
	end := time.UnixMilli(time.Now().UnixMilli()).Add(time.Minute)
	a := hub.Timer{CID: cidIn(14, "c"), Kind: hub.TimerDeadline}
	_, key, member := s.timerKey(a)
	if err := s.rdb.ZAdd(ctx, key, redis.Z{Score: float64(end.UnixMilli()), Member: member}).Err(); err != nil {
		t.Fatal(err)
	}
	if got := claimTimers(t, s, end.Add(-time.Millisecond), a.CID); len(got) != 0 {
		t.Fatalf("ClaimTimers before the old lease ended = %v, want nothing", got)
	}
	got := claimTimers(t, s, end, a.CID)
	if want := end.Add(time.Minute); len(got) != 1 || !got[0].At.Equal(want) {
		t.Fatalf("ClaimTimers when the old lease ended = %v, want %s leased until %v", got, a.CID, want)
	}
	score, err := s.rdb.ZScore(ctx, key, member).Result()
	if want := float64(got[0].At.UnixMilli()) - 0.5; err != nil || score != want || !scoreTime(score).Equal(got[0].At) {
		t.Fatalf("score of the leased timer = %v, %v; want %v, due at %v", score, err, want, got[0].At)
	}
	if err := s.DropTimer(ctx, got[0]); err != nil {
		t.Fatal(err)
	}
	if err := s.rdb.ZScore(ctx, key, member).Err(); err != redis.Nil {
		t.Errorf("ZSCORE after the drop = %v, want nil: the timer fired and is gone", err)
	}
}
