package redisstore

import (
	"context"
	"time"

	"github.com/callhub/callhub/hub/callback"
	"github.com/redis/go-redis/v9"
)

// Claim implements callback.Queue: one script call per partition that may
// have due work, all in one pipeline.
func (q *Queue) Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]callback.Delivery, error) {
	if n <= 0 {
		return nil, nil
	}
	if err := q.upgrade(ctx, now); err != nil {
		return nil, err
	}
	parts, err := q.watch.ready(ctx, q.s, now)
	if err != nil {
		return nil, err
	}
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
		q.watch.rewarm(parts)
		return nil, err
	}
	var out []callback.Delivery
	var failed error
	for i, cmd := range cmds {
		vals, err := cmd.StringSlice()
		if err != nil && err != redis.Nil {
			q.watch.rewarm(parts[i : i+1])
			failed = wrap(err)
			continue
		}
		if len(vals) == share {
			q.watch.rewarm(parts[i : i+1]) // more may be due
		}
		for _, v := range vals {
			if d, err := decodeDelivery("", 0, v); err == nil {
				out = append(out, d)
			}
		}
	}
	return out, failed
}
