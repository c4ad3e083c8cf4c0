package hub

import (
	"context"
	"time"
)

// Receipts: a subscriber acknowledges the replies of a cid it saw live,
// up to an offset (Hub.Ack). The store keeps, per cid, the steps of its
// acknowledgement watermark, oldest first; a reply's AckedAt is the time
// of the first step that reached its offset. A request whose callback
// says When "unacked" has a reply's callback skipped when the reply was
// acknowledged within the callback's AfterMs of being stored.

// Callback.When values.
const (
	CallbackAlways  = "always"  // every reply is called back (the default)
	CallbackUnacked = "unacked" // only replies nobody acknowledged in time
)

// DefaultAfterMs is Callback.AfterMs when a request with When "unacked"
// names none; MaxAfterMs bounds it (an hour).
const (
	DefaultAfterMs = 5000
	MaxAfterMs     = 60 * 60 * 1000
)

// AckStep is one advance of a cid's acknowledgement watermark: at At,
// every reply up to Offset was acknowledged.
type AckStep struct {
	Offset string
	At     time.Time
}

// AckedAt returns when the reply at offset was first acknowledged, given
// the cid's steps oldest first; ok is false when none reached it.
func AckedAt(steps []AckStep, offset string) (at time.Time, ok bool) {
	for _, s := range steps {
		if !OffsetLess(s.Offset, offset) {
			return s.At, true
		}
	}
	return time.Time{}, false
}

// MarkAcked sets AckedAt on each of replies that steps acknowledged.
func MarkAcked(replies []Reply, steps []AckStep) {
	for i := range replies {
		if at, ok := AckedAt(steps, replies[i].Offset); ok {
			replies[i].AckedAt = &at
		}
	}
}

// Ack records that p, a subscriber of cid (ActRead, see Authorize), saw
// every reply of cid up to offset. Acknowledging again, or less, changes
// nothing. An offset past cid's last reply is refused (ErrInvalid naming
// offset): it would acknowledge replies nobody saw yet.
func (h *Hub) Ack(ctx context.Context, p Principal, cid, offset string) error {
	if offset == "" || !ValidOffset(offset) {
		return Invalid("offset", "must be the offset of a reply received, got %q", offset)
	}
	if _, err := h.Authorize(ctx, p, ActRead, cid); err != nil {
		return err
	}
	return h.store.Ack(ctx, cid, offset, h.Now())
}

// normalizeWhen checks and fills callback.when and callback.afterMs.
func (r *Request) normalizeWhen() error {
	cb := r.Callback
	switch cb.When {
	case "", CallbackAlways:
		if cb.AfterMs != nil {
			return Invalid("callback.afterMs", "only with callback.when %q", CallbackUnacked)
		}
		return nil
	case CallbackUnacked:
	default:
		return Invalid("callback.when", "must be %q or %q, got %q", CallbackAlways, CallbackUnacked, cb.When)
	}
	if !r.Async {
		return Invalid("callback.when", "%q needs an async request", CallbackUnacked)
	}
	if cb.AfterMs == nil {
		n := DefaultAfterMs
		cb.AfterMs = &n
	}
	if *cb.AfterMs < 0 || *cb.AfterMs > MaxAfterMs {
		return Invalid("callback.afterMs", "must be from 0 to %d, got %d", MaxAfterMs, *cb.AfterMs)
	}
	return nil
}

// AckBy is when an acknowledgement of r comes too late to skip its
// callback under cb: zero when cb calls back always.
func (cb *Callback) AckBy(r Reply) time.Time {
	if cb == nil || cb.When != CallbackUnacked || cb.AfterMs == nil {
		return time.Time{}
	}
	return r.At.Add(time.Duration(*cb.AfterMs) * time.Millisecond)
}
