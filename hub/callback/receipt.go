package callback

import (
	"context"
	"log/slog"
	"time"
)

// Acks tells when a reply was first acknowledged by a subscriber; the
// hub's Store implements it.
type Acks interface {
	AckedAt(ctx context.Context, cid, offset string) (at time.Time, ok bool, err error)
}

// skip ends dl as Skipped, without an attempt, when its reply was
// acknowledged by its AckBy, and reports whether it did. Only a first
// attempt is skipped: a retry or a replay is sent. When the
// acknowledgements cannot be read the callback is sent: a callback too
// many is better than one lost.
func (d *Deliverer) skip(ctx context.Context, dl Delivery) bool {
	if dl.AckBy.IsZero() || dl.Attempts > 0 || dl.Replay || d.cfg.Acks == nil {
		return false
	}
	at, ok, err := d.cfg.Acks.AckedAt(ctx, dl.CID, dl.Reply.Offset)
	if err != nil {
		d.logger.Warn("read acknowledgements", "delivery", dl.ID, "err", err)
		return false
	}
	if !ok || at.After(dl.AckBy) {
		return false
	}
	dl.State, dl.UpdatedAt = Skipped, d.now()
	d.logLine(slog.LevelDebug, "delivery finished", "delivery", dl.ID, "state", dl.State, "ackedAt", at) // as a first-attempt delivery (logOutcome)
	d.cfg.Observer.Skipped()
	d.save(ctx, dl)
	return true
}
