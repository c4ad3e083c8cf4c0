package redisstore

import (
	"context"
	"time"

	"github.com/callhub/callhub/hub/callback"
	"github.com/redis/go-redis/v9"
)

// Stats implements callback.Queue with three O(log n) reads per
// partition, in one pipeline, never a scan: each partition's pending set
// holds its pending deliveries by due time, its dead set the dead ones by
// when they died.
func (q *Queue) Stats(ctx context.Context) (callback.QueueStats, error) {
	since := ms(time.Now().Add(-q.s.retention))
	pipe := q.s.rdb.Pipeline()
	type counts struct {
		pending, dead *redis.IntCmd
		oldest        *redis.ZSliceCmd
	}
	cs := make([]counts, Partitions)
	for p := range Partitions {
		cs[p] = counts{pipe.ZCard(ctx, q.s.pkey(p, "pend")), pipe.ZCount(ctx, q.s.pkey(p, "dead"), since, "+inf"),
			pipe.ZRangeWithScores(ctx, q.s.pkey(p, "pend"), 0, 0)}
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return callback.QueueStats{}, wrap(err)
	}
	var st callback.QueueStats
	for _, c := range cs {
		st.Pending += c.pending.Val()
		st.Dead += c.dead.Val()
		if z := c.oldest.Val(); len(z) > 0 {
			t := time.UnixMilli(int64(z[0].Score))
			if st.OldestDue.IsZero() || t.Before(st.OldestDue) {
				st.OldestDue = t
			}
		}
	}
	return st, nil
}
