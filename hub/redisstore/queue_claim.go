package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/callhub/callhub/hub/callback"
)

// Claim implements callback.Queue: one script call per partition that may
// have due work, all in one pipeline. Each Claim has a token no other
// claim of any instance has (claimToken), which the script keeps with
// what it leased until the lease ends: when the pipeline is sent again
// (by go-redis after its connection dropped, by evalAll after another
// master answered NOSCRIPT), a partition's script that ran the first time
// answers the deliveries it leased then, and they are attempted at once
// rather than when their lease runs out.
func (q *Queue) Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]callback.Delivery, error) {
	if n <= 0 {
		return nil, nil
	}
	if err := q.upgrade(ctx, now); err != nil {
		return nil, err
	}
	var out []callback.Delivery
	token := q.claimToken()
	call := func(p, share int) scriptCall {
		return scriptCall{keys: []string{q.s.pkey(p, "due"), q.s.pkey(p, "pend"), q.s.pkey(p, "c:"+token)},
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

// claimToken is a new claim's token: this Queue's random id and the
// number of its claims so far. Tokens of one Queue differ by the count,
// those of two by 64 random bits.
func (q *Queue) claimToken() string {
	return q.claimer + "." + strconv.FormatUint(q.claims.Add(1), 36)
}

// newClaimer is a Queue's random id, the first part of its claims'
// tokens.
func newClaimer() string {
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	return hex.EncodeToString(id)
}
