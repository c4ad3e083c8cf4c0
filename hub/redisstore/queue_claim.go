package redisstore

import (
	"context"
	"time"

	"github.com/callhub/callhub/hub/callback"
)

// Claim implements callback.Queue: one script call per partition that may
// have due work, all in one pipeline. Each Claim has a token no other
// claim of any instance has (claimTokens), which the script keeps with
// what it leased until the lease ends: when the pipeline is sent again
// (by go-redis after its connection dropped, by evalAll after another
// master answered NOSCRIPT), a partition's script that ran the first time
// answers the deliveries it leased then, and they are attempted at once
// rather than when their lease runs out. A call that failed outright (its
// answer lost to a timeout) is sent again, with its token, by the next
// Claim (lostCalls), which leases what it answers from its own now and
// may then return more than n.
func (q *Queue) Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]callback.Delivery, error) {
	if n <= 0 {
		return nil, nil
	}
	if err := q.upgrade(ctx, now); err != nil {
		return nil, err
	}
	var out []callback.Delivery
	call := func(c claimCall) scriptCall {
		return scriptCall{keys: []string{q.s.pkey(c.p, "due"), q.s.pkey(c.p, "pend"), q.s.pkey(c.p, "c:"+c.token)},
			args: []any{c.now.UnixMilli(), c.now.Add(c.lease).UnixMilli(), c.share, q.s.pkey(c.p, "d:")}}
	}
	take := func(_ claimCall, vals []string) int {
		for _, v := range vals {
			if d, err := decodeDelivery("", 0, v); err == nil {
				out = append(out, d)
			}
		}
		return len(vals)
	}
	err := q.s.claim(ctx, &q.watch, now, n, lease, claimScript, call, take)
	return out, err
}
