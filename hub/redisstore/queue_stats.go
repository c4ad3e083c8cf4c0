package redisstore

import (
	"context"
	"strconv"
	"time"

	"github.com/callhub/callhub/hub/callback"
	"github.com/redis/go-redis/v9"
)

// Stats implements callback.Queue with a few O(log n) reads on the shared
// keys, never a scan: {dq}:pending holds every pending delivery by due
// time, {dq}:dead every dead one. An id left in the pending set by a
// crash between a delivery's save and this bookkeeping is removed when
// it comes first, so the oldest due time heals itself.
func (q *Queue) Stats(ctx context.Context) (callback.QueueStats, error) {
	pipe := q.s.rdb.Pipeline()
	pending := pipe.ZCard(ctx, q.qkey("pending"))
	dead := pipe.ZCard(ctx, q.qkey("dead"))
	if _, err := pipe.Exec(ctx); err != nil {
		return callback.QueueStats{}, wrap(err)
	}
	st := callback.QueueStats{Pending: pending.Val(), Dead: dead.Val()}
	for range 10 {
		z, err := q.s.rdb.ZRangeWithScores(ctx, q.qkey("pending"), 0, 0).Result()
		if err != nil || len(z) == 0 {
			return st, wrap(err)
		}
		id, _ := z[0].Member.(string)
		if q.stillPending(ctx, id) {
			st.OldestDue = time.UnixMilli(int64(z[0].Score))
			return st, nil
		}
		if err := q.s.rdb.ZRem(ctx, q.qkey("pending"), id).Err(); err != nil {
			return st, wrap(err)
		}
		st.Pending--
	}
	return st, nil
}

// stillPending reports whether delivery id's state is pending; an error
// counts as pending, so nothing is removed on a guess.
func (q *Queue) stillPending(ctx context.Context, id string) bool {
	cid, seq, ok := splitID(id)
	if !ok {
		return false
	}
	state, err := q.s.rdb.HGet(ctx, q.s.key("dst", cid), strconv.Itoa(seq)).Result()
	if err == redis.Nil {
		return false
	}
	return err != nil || state == callback.Pending
}

// markState queues the bookkeeping Stats reads for a saved delivery: in
// the pending set by due time while pending, in the dead set while dead,
// each trimmed to retention.
func (q *Queue) markState(ctx context.Context, pipe redis.Pipeliner, d callback.Delivery) {
	old := strconv.FormatInt(time.Now().Add(-q.s.retention).UnixMilli(), 10)
	if d.State == callback.Pending {
		pipe.ZAdd(ctx, q.qkey("pending"), redis.Z{Score: float64(d.NextAttemptAt.UnixMilli()), Member: d.ID})
		pipe.ZRemRangeByScore(ctx, q.qkey("pending"), "-inf", old)
	} else {
		pipe.ZRem(ctx, q.qkey("pending"), d.ID)
	}
	if d.State == callback.Dead {
		pipe.ZAdd(ctx, q.qkey("dead"), redis.Z{Score: float64(d.UpdatedAt.UnixMilli()), Member: d.ID})
		pipe.ZRemRangeByScore(ctx, q.qkey("dead"), "-inf", old)
	} else {
		pipe.ZRem(ctx, q.qkey("dead"), d.ID)
	}
}
