package memstore

import (
	"context"

	"github.com/callhub/callhub/hub/callback"
)

// Stats implements callback.Queue. It walks the queue under its lock,
// which is cheap enough for one instance's memory.
func (q *Queue) Stats(_ context.Context) (callback.QueueStats, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var st callback.QueueStats
	for _, c := range q.byCID {
		for _, m := range c.list {
			switch m.State {
			case callback.Pending:
				st.Pending++
				if st.OldestDue.IsZero() || m.NextAttemptAt.Before(st.OldestDue) {
					st.OldestDue = m.NextAttemptAt
				}
			case callback.Dead:
				st.Dead++
			}
		}
	}
	return st, nil
}
