package hub

import (
	"context"
	"math"
	"time"
)

// Heartbeat is a service's sign of life for cid, with optional progress
// (0 to 1) and msg: subscribers get a progress frame, and a stalled cid
// resumes. Not stored as a reply, not sent to callbacks. p may act as
// for a reply (see Authorize); an ended cid is ErrConflict.
func (h *Hub) Heartbeat(ctx context.Context, p Principal, cid string, progress *float64, msg string) error {
	if progress != nil && (math.IsNaN(*progress) || *progress < 0 || *progress > 1) {
		return Invalid("progress", "must be from 0 to 1")
	}
	if len(msg) > maxReasonBytes {
		return Invalid("msg", "at most %d bytes", maxReasonBytes)
	}
	if _, err := h.Authorize(ctx, p, ActReply, cid); err != nil {
		return err
	}
	now := h.Now()
	s, err := h.store.Sign(ctx, cid, now)
	if err != nil {
		return err
	}
	h.obs.Lifecycle(EventHeartbeat)
	h.publishEvent(ctx, cid, s.Caller, progressFrame(cid, progress, msg, now))
	if s.Resumed {
		h.resumed(ctx, cid, s.Caller, s.HeartbeatMs)
	}
	return nil
}

// resumed tells subscribers that cid's stall ended and schedules its next
// stall check.
func (h *Hub) resumed(ctx context.Context, cid, caller string, heartbeatMs int64) {
	h.obs.Lifecycle(EventResumed)
	h.publishEvent(ctx, cid, caller, resumedFrame(cid))
	at := h.Now().Add(time.Duration(heartbeatMs) * time.Millisecond)
	if err := h.store.SetTimer(context.WithoutCancel(ctx), Timer{CID: cid, Kind: TimerStall, At: at}); err != nil {
		h.logger.Warn("schedule stall check", "cid", cid, "err", err)
	}
}
