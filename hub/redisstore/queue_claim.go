package redisstore

import (
	"context"
	"time"

	"github.com/callhub/callhub/hub/callback"
	"github.com/redis/go-redis/v9"
)

// How an instance finds work without polling every partition. It claims
// at once from the partitions where it queued work or where a Save made
// the next delivery of a cid due (hot), and from those whose earliest due
// time, as it last saw it, has come. Every scanEvery it reads each
// partition's earliest due time (one ZRANGE each), which finds what other
// instances scheduled and left: a retry of an instance that died, or a
// lease that ran out. Live instances claim what they queue themselves, so
// an idle partition costs one command per scan and nothing else.
const scanEvery = 2 * time.Second

// Claim implements callback.Queue: one script call per partition that may
// have due work, all in one pipeline.
func (q *Queue) Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]callback.Delivery, error) {
	if n <= 0 {
		return nil, nil
	}
	if err := q.upgrade(ctx, now); err != nil {
		return nil, err
	}
	if err := q.scan(ctx, now); err != nil {
		return nil, err
	}
	parts := q.takeReady(now)
	if len(parts) == 0 {
		return nil, nil
	}
	share := (n + len(parts) - 1) / len(parts)
	calls := make([]scriptCall, len(parts))
	for i, p := range parts {
		calls[i] = scriptCall{keys: []string{q.s.pkey(p, "due"), q.s.pkey(p, "pend")},
			args: []any{now.UnixMilli(), now.Add(lease).UnixMilli(), share, q.s.pkey(p, "d:")}}
	}
	cmds, err := q.s.evalAll(ctx, claimScript, calls)
	if err != nil {
		q.rewarm(parts)
		return nil, err
	}
	var out []callback.Delivery
	var failed error
	for i, cmd := range cmds {
		vals, err := cmd.StringSlice()
		if err != nil && err != redis.Nil {
			q.rewarm(parts[i : i+1])
			failed = wrap(err)
			continue
		}
		if len(vals) == share {
			q.rewarm(parts[i : i+1]) // more may be due
		}
		for _, v := range vals {
			if d, err := decodeDelivery("", 0, v); err == nil {
				out = append(out, d)
			}
		}
	}
	return out, failed
}

// takeReady answers the partitions to claim from at now, and forgets
// what it knew of them up to now: the claim takes that. A due time after
// now is kept: a delivery queued while the claim was on its way, stamped
// later than the claim's now, is still claimed on time.
func (q *Queue) takeReady(now time.Time) []int {
	q.mu.Lock()
	defer q.mu.Unlock()
	var parts []int
	for p := range Partitions {
		dueNow := !q.due[p].IsZero() && !q.due[p].After(now)
		if q.hot[p] || dueNow {
			parts = append(parts, p)
			q.hot[p] = false
		}
		if dueNow {
			q.due[p] = time.Time{}
		}
	}
	return parts
}

// rewarm marks partitions to be claimed from again at once.
func (q *Queue) rewarm(parts []int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, p := range parts {
		q.hot[p] = true
	}
}

// scan reads the earliest due time of every partition when a scan is
// due at now.
func (q *Queue) scan(ctx context.Context, now time.Time) error {
	q.mu.Lock()
	due := !now.Before(q.scanAt)
	if due {
		q.scanAt = now.Add(scanEvery)
	}
	q.mu.Unlock()
	if !due {
		return nil
	}
	pipe := q.s.rdb.Pipeline()
	cmds := make([]*redis.ZSliceCmd, Partitions)
	for p := range Partitions {
		cmds[p] = pipe.ZRangeWithScores(ctx, q.s.pkey(p, "due"), 0, 0)
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		q.mu.Lock()
		q.scanAt = time.Time{} // again at the next Claim
		q.mu.Unlock()
		return wrap(err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for p, cmd := range cmds {
		if z := cmd.Val(); len(z) > 0 {
			q.noteDue(p, time.UnixMilli(int64(z[0].Score)))
		}
	}
	return nil
}
