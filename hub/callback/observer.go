package callback

import (
	"context"
	"time"
)

// Observer hears each callback attempt, for metrics; main passes one
// that counts. Its methods must be cheap, must not block and must be safe
// for concurrent use.
type Observer interface {
	// Attempted is one HTTP attempt: its outcome ("ok" for a 2xx answer,
	// "http_error" for another status, "error" when nothing answered) and
	// how long it took.
	Attempted(outcome string, d time.Duration)
	// EndpointDisabled is one delivery sent dead without an attempt
	// because its endpoint is disabled.
	EndpointDisabled()
	// Skipped is one delivery ended skipped: its reply was acknowledged
	// live in time.
	Skipped()
}

// nopObserver is the Observer of a Deliverer configured without one.
type nopObserver struct{}

func (nopObserver) Attempted(string, time.Duration) {}
func (nopObserver) EndpointDisabled()               {}
func (nopObserver) Skipped()                        {}

// QueueStats is a Queue's size at one moment.
type QueueStats struct {
	// Pending counts the pending deliveries: due, being attempted, waiting
	// for a retry or queued behind an earlier one of their cid.
	Pending int64
	// Dead counts the deliveries that used up their attempts (or found
	// their endpoint disabled) and were not replayed, within retention.
	Dead int64
	// OldestDue is the earliest due time among the pending ones (a
	// delivery queued behind another is due from its creation); zero when
	// none is pending. Now minus OldestDue is how late the queue runs.
	OldestDue time.Time
}

// Stats returns the queue's size, for metrics.
func (d *Deliverer) Stats(ctx context.Context) (QueueStats, error) { return d.q.Stats(ctx) }

// attemptOutcome names an attempt's result for Observer.Attempted.
func attemptOutcome(res attemptResult) string {
	switch {
	case res.status >= 200 && res.status < 300:
		return "ok"
	case res.status != 0:
		return "http_error"
	}
	return "error"
}
