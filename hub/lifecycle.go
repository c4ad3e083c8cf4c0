package hub

import (
	"context"
	"errors"
	"strings"
	"time"
)

// The lifecycle of an async request: the hub ends a cid itself when its
// deadline passes (504, StateExpired) or its caller cancels it (499,
// StateCanceled), with a terminal reply like any other, Origin "hub";
// its service shows signs of life (replies, heartbeats), and a silence
// longer than the request's heartbeatMs stalls it until the next one.

// Codes of the replies the hub stores itself.
const (
	CodeDeadline = 504
	CodeCanceled = 499
)

// Lifecycle events, as Observer.Lifecycle names them.
const (
	EventDeadline  = "deadline"
	EventCancel    = "cancel"
	EventHeartbeat = "heartbeat"
	EventStalled   = "stalled"
	EventResumed   = "resumed"
)

// endCID stores the terminal reply the hub gives cid, then publishes it
// and queues its callback like a service's. It fails with ErrConflict
// when the cid ended before: of two instances racing on one deadline,
// one stores the reply.
func (h *Hub) endCID(ctx context.Context, cid string, code int, msg, state string) (Reply, error) {
	r := Reply{CID: cid, IsEnd: true, Code: code, Msg: msg, Origin: "hub", EndState: state}
	a, err := h.store.AppendReply(ctx, r)
	if err != nil {
		return Reply{}, err
	}
	h.obs.ReplyStored()
	if !a.Published {
		h.publish(ctx, a.Reply)
	}
	if err := h.queueCallback(ctx, a); err != nil {
		h.logger.Error("queue callback of a hub-ended cid", "cid", cid, "err", err)
	}
	return a.Reply, nil
}

// Cancel ends cid for its caller (or the admin) with a 499 reply: msg is
// the reason, "canceled" if none. The service, if it has a cancel path,
// is told in the background. An ended cid is ErrConflict; an unknown or
// another caller's is ErrNotFound.
func (h *Hub) Cancel(ctx context.Context, p Principal, cid, reason string) (Reply, error) {
	if p.Token != "" {
		return Reply{}, Errorf(ErrUnauthorized, "Authorization: Bearer <caller key> required: a ws token cannot cancel")
	}
	if len(reason) > maxReasonBytes {
		return Reply{}, Invalid("reason", "at most %d bytes", maxReasonBytes)
	}
	rec, err := h.Authorize(ctx, p, ActRead, cid)
	if err != nil {
		return Reply{}, err
	}
	if rec.Mode == ModeSync {
		return Reply{}, Errorf(ErrConflict, "cid %s is a sync request: only an async request can be canceled", cid)
	}
	msg := reason
	if msg == "" {
		msg = StateCanceled
	}
	r, err := h.endCID(ctx, cid, CodeCanceled, msg, StateCanceled)
	if err != nil {
		return Reply{}, err
	}
	h.obs.Lifecycle(EventCancel)
	h.tellCanceled(ctx, rec)
	return r, nil
}

// maxReasonBytes bounds a cancel's reason, which becomes the reply's msg.
const maxReasonBytes = 1024

// setTimers schedules the deadline and the first stall check of rec, a
// new async cid (or one whose creation a retry repeats: SetTimer is
// idempotent).
func (h *Hub) setTimers(ctx context.Context, rec Record) error {
	if rec.DeadlineAt != nil {
		if err := h.store.SetTimer(ctx, Timer{CID: rec.CID, Kind: TimerDeadline, At: *rec.DeadlineAt}); err != nil {
			return err
		}
	}
	if rec.HeartbeatMs > 0 {
		at := rec.CreatedAt.Add(time.Duration(rec.HeartbeatMs) * time.Millisecond)
		return h.store.SetTimer(ctx, Timer{CID: rec.CID, Kind: TimerStall, At: at})
	}
	return nil
}

// fire acts on one due timer and drops it, or moves it when the cid
// needs a later check.
func (h *Hub) fire(ctx context.Context, t Timer) {
	var next time.Time
	var err error
	switch {
	case t.Kind == TimerDeadline:
		err = h.expire(ctx, t.CID)
	case t.Kind == TimerStall:
		next, err = h.checkStall(ctx, t.CID)
	case strings.HasPrefix(t.Kind, timerCancel):
		err = h.noticeCancel(ctx, t)
	}
	if errors.Is(err, ErrUnavailable) {
		h.logger.Warn("lifecycle timer", "cid", t.CID, "timer", t.Kind, "err", err)
		return // the lease runs out and the timer is due again
	}
	if err != nil {
		h.logger.Error("lifecycle timer", "cid", t.CID, "timer", t.Kind, "err", err)
	}
	if !next.IsZero() {
		err = h.store.SetTimer(ctx, Timer{CID: t.CID, Kind: t.Kind, At: next})
	} else {
		err = h.store.DropTimer(ctx, t)
	}
	if err != nil {
		h.logger.Warn("lifecycle timer", "cid", t.CID, "timer", t.Kind, "err", err)
	}
}

// expire ends cid at its deadline, unless it ended before or is gone.
func (h *Hub) expire(ctx context.Context, cid string) error {
	_, err := h.endCID(ctx, cid, CodeDeadline, "deadline exceeded", StateExpired)
	if errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
		return nil
	}
	if err == nil {
		h.obs.Lifecycle(EventDeadline)
	}
	return err
}

// checkStall stalls cid if its service has been silent for longer than
// its heartbeatMs, and answers when to check again.
func (h *Hub) checkStall(ctx context.Context, cid string) (time.Time, error) {
	st, err := h.store.CheckStall(ctx, cid, h.Now())
	if errors.Is(err, ErrNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	if st.Stalled {
		h.obs.Lifecycle(EventStalled)
		h.publishEvent(ctx, cid, st.Caller, stalledFrame(cid, st.Since))
	}
	return st.Next, nil
}

// Ended is the refusal of a reply or heartbeat for cid, which ended in
// state (StateCompleted, StateExpired, StateCanceled).
func Ended(cid, state string) error {
	if state == "" {
		state = StateCompleted
	}
	return Errorf(ErrConflict, "cid %s is %s: no reply after the isEnd reply", cid, state)
}

// hubEndState is the state a terminal reply of the hub with code left.
func hubEndState(code int) string {
	if code == CodeCanceled {
		return StateCanceled
	}
	return StateExpired
}

// EndStateOf is the state an isEnd reply r leaves its record in.
func EndStateOf(r Reply) string {
	if r.EndState != "" {
		return r.EndState
	}
	return StateCompleted
}
