package hub

import (
	"context"
	"time"
)

// Timer kinds.
const (
	TimerDeadline = "deadline" // ends the cid (see Hub.expire)
	TimerStall    = "stall"    // checks the cid's heartbeat (see Hub.checkStall)
)

// Timer is one scheduled lifecycle check of a cid. A cid has at most one
// timer of each kind.
type Timer struct {
	CID  string
	Kind string
	At   time.Time
}

// Timers is the schedule of lifecycle timers a Store keeps for every
// instance: whichever instance is alive fires a timer, also one that the
// instance which set it left behind when it died.
type Timers interface {
	// SetTimer schedules t at t.At, or moves it there if it is set.
	SetTimer(ctx context.Context, t Timer) error
	// ClaimTimers leases up to n timers due at now: another claim skips
	// them until the lease ends, so a holder that dies leaves them due
	// again. Each comes with At set to its lease's end.
	ClaimTimers(ctx context.Context, now time.Time, n int, lease time.Duration) ([]Timer, error)
	// DropTimer removes t, a timer ClaimTimers answered, unless it was
	// set again since, also when it was set to t.At: a lease and a time
	// set are told apart, not only by their times.
	DropTimer(ctx context.Context, t Timer) error
}

// Stall is what Store.CheckStall found.
type Stall struct {
	Stalled bool      // the cid became stalled just now
	Since   time.Time // when its silence began, if Stalled
	Next    time.Time // when to check again; zero: no more (ended, stalled, no heartbeat)
	Caller  string
}

// Signed is what Store.Sign found.
type Signed struct {
	Resumed     bool // the cid was stalled, and no longer is
	Caller      string
	HeartbeatMs int64
}

// How the hub runs timers: it claims due ones every timerTick, at most
// timerBatch at a time, each leased for timerLease.
const (
	timerTick  = 250 * time.Millisecond
	timerBatch = 64
	timerLease = 30 * time.Second
)

// runTimers fires due lifecycle timers until the hub closes.
func (h *Hub) runTimers() {
	tick := time.NewTicker(timerTick)
	defer tick.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-tick.C:
		}
		for h.fireDue() == timerBatch && h.ctx.Err() == nil {
		}
	}
}

// fireDue claims and fires one batch of due timers; it answers how many.
func (h *Hub) fireDue() int {
	ctx := context.WithoutCancel(h.ctx)
	ts, err := h.store.ClaimTimers(ctx, h.Now(), timerBatch, timerLease)
	if err != nil {
		h.logger.Warn("claim lifecycle timers", "err", err)
	}
	for _, t := range ts {
		h.fire(ctx, t)
	}
	return len(ts)
}
