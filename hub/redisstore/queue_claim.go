package redisstore

import (
	"context"
	"time"

	"github.com/callhub/callhub/hub/callback"
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
	var out []callback.Delivery
	call := func(p, share int) scriptCall {
		return scriptCall{keys: []string{q.s.pkey(p, "due"), q.s.pkey(p, "pend")},
			args: []any{now.UnixMilli(), now.Add(lease).UnixMilli(), share, q.s.pkey(p, "d:")}}
	}
	take := func(_ int, vals []string) int {
		for _, v := range vals {
			if d, err := decodeDelivery("", 0, v); err == nil {
				out = append(out, d)
			}
		}
		return len(vals)
	}
	err := q.s.claimDue(ctx, &q.watch, now, n, claimScript, call, take)
	return out, err
}
