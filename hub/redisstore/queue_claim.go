package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync/atomic"
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
// rather than when their lease runs out.
func (q *Queue) Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]callback.Delivery, error) {
	if n <= 0 {
		return nil, nil
	}
	if err := q.upgrade(ctx, now); err != nil {
		return nil, err
	}
	var out []callback.Delivery
	token := q.tokens.next()
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

// claimTokens gives each claim (of deliveries, or of lifecycle timers)
// a token no other claim of any instance has: the source's random id and
// the number of its claims so far. Tokens of one source differ by the
// count, those of two by 64 random bits. The claim scripts keep what a
// claim leased under its token, so that the same call run again answers
// it. It is safe for concurrent use.
type claimTokens struct {
	id string
	n  atomic.Uint64
}

func newClaimTokens() *claimTokens {
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	return &claimTokens{id: hex.EncodeToString(id)}
}

// next is a new claim's token.
func (c *claimTokens) next() string {
	return c.id + "." + strconv.FormatUint(c.n.Add(1), 36)
}
