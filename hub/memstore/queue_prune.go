package memstore

import (
	"slices"
	"time"

	"github.com/callhub/callhub/hub/callback"
)

// retention is Retention or its default.
func (q *Queue) retention() time.Duration {
	if q.Retention > 0 {
		return q.Retention
	}
	return 24 * time.Hour
}

// prune forgets the deliveries that finished Retention before now. They
// come in the order they finished, so it stops at the first one younger.
// One saved as pending again since (a replay) stays; it is queued again
// when it finishes again.
func (q *Queue) prune(now time.Time) {
	cut := now.Add(-q.retention())
	for len(q.finished) > 0 {
		m := q.finished[0]
		if m.State != callback.Pending && finishedAt(&m.kept).After(cut) {
			break
		}
		q.finished[0] = nil
		q.finished = q.finished[1:]
		if m.State != callback.Pending && !m.gone {
			q.forget(m)
		}
	}
	if q.pruned > len(q.order)/2 {
		q.order = slices.DeleteFunc(q.order, func(m *memDelivery) bool { return m.gone })
		q.pruned = 0
	}
}

// finishedAt is when d was last updated, or created if it never was.
func finishedAt(d *kept) time.Time {
	if d.UpdatedAt.IsZero() {
		return d.CreatedAt
	}
	return d.UpdatedAt
}

// forget removes one finished delivery from every index.
func (q *Queue) forget(m *memDelivery) {
	m.gone = true
	q.pruned++
	c := q.byCID[m.CID]
	if i, ok := c.search(m.Seq); ok && c.list[i] == m {
		c.list = slices.Delete(c.list, i, i+1)
	}
	c.done = 0
	if len(c.list) == 0 {
		delete(q.byCID, c.cid) // nothing pending: it is not in the ready heap
	}
}
