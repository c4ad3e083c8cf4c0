package redisstore

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/callhub/callhub/hub/callback"
	"github.com/redis/go-redis/v9"
)

// List implements callback.Queue: the partitions' creation indexes merged
// by creation time, then id. The cursor is a position in that order: the
// creation time (unix ms) of the last delivery passed, times cursorSpan,
// plus how many deliveries of that millisecond were passed.
func (q *Queue) List(ctx context.Context, f callback.Filter) ([]callback.Delivery, string, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	pos, _ := strconv.ParseInt(f.Cursor, 10, 64)
	at, skip := pos/cursorSpan, pos%cursorSpan
	if since := f.Since.UnixMilli(); !f.Since.IsZero() && since > at {
		at, skip = since, 0
	}
	var out []callback.Delivery
	for scanned := 0; scanned < listScan; {
		zs, more, err := q.indexPage(ctx, at, int(skip)+limit+1)
		if err != nil {
			return nil, "", err
		}
		zs = zs[min(int(skip), countAt(zs, at)):]
		if len(zs) == 0 {
			return out, "", nil
		}
		ds, err := q.getAll(ctx, zs)
		if err != nil {
			return nil, "", err
		}
		for i, z := range zs {
			if ms := int64(z.Score); ms == at {
				skip++
			} else {
				at, skip = ms, 1
			}
			scanned++
			if ds[i] != nil && matches(*ds[i], f) {
				out = append(out, *ds[i])
			}
			if len(out) == limit {
				if i == len(zs)-1 && !more {
					return out, "", nil
				}
				return out, strconv.FormatInt(at*cursorSpan+skip, 10), nil
			}
		}
		if !more {
			return out, "", nil
		}
	}
	return out, strconv.FormatInt(at*cursorSpan+skip, 10), nil
}

// cursorSpan bounds the deliveries of one millisecond a cursor can pass.
const cursorSpan = 1_000_000

// countAt counts the entries created at the millisecond at, which come first.
func countAt(zs []redis.Z, at int64) int {
	n := 0
	for n < len(zs) && int64(zs[n].Score) == at {
		n++
	}
	return n
}

// indexPage reads, from every partition, up to n index entries created
// at or after at, and merges them. It answers only the entries known to
// be complete (before the first cut-off of a partition that had more),
// and whether more follow.
func (q *Queue) indexPage(ctx context.Context, at int64, n int) ([]redis.Z, bool, error) {
	for {
		pipe := q.s.rdb.Pipeline()
		cmds := make([]*redis.ZSliceCmd, Partitions)
		for p := range Partitions {
			cmds[p] = pipe.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{Key: q.s.pkey(p, "all"),
				Start: strconv.FormatInt(at, 10), Stop: "+inf", ByScore: true, Count: int64(n)})
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, false, wrap(err)
		}
		var all []redis.Z
		cut, more := int64(-1), false
		for _, c := range cmds {
			zs := c.Val()
			all = append(all, zs...)
			if len(zs) == n {
				if last := int64(zs[n-1].Score); cut < 0 || last < cut {
					cut = last
				}
				more = true
			}
		}
		slices.SortFunc(all, func(a, b redis.Z) int {
			if a.Score != b.Score {
				return int(a.Score - b.Score)
			}
			return strings.Compare(a.Member.(string), b.Member.(string))
		})
		if !more {
			return all, false, nil
		}
		i := 0
		for i < len(all) && int64(all[i].Score) < cut {
			i++
		}
		if i > 0 {
			return all[:i], true, nil
		}
		n *= 2 // one millisecond holds more than n of a partition
	}
}

// getAll reads the deliveries of index entries in one pipeline; one that
// expired is nil.
func (q *Queue) getAll(ctx context.Context, zs []redis.Z) ([]*callback.Delivery, error) {
	pipe := q.s.rdb.Pipeline()
	cmds := make([]*redis.StringCmd, len(zs))
	for i, z := range zs {
		if cid, seq, ok := splitID(z.Member.(string)); ok {
			cmds[i] = pipe.HGet(ctx, q.cidKey(cid), strconv.Itoa(seq))
		}
	}
	id := func(i int) (string, int) { cid, seq, _ := splitID(zs[i].Member.(string)); return cid, seq }
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap(err)
	}
	out := make([]*callback.Delivery, len(zs))
	for i, c := range cmds {
		if c == nil || c.Err() != nil {
			continue
		}
		cid, seq := id(i)
		if d, err := decodeDelivery(cid, seq, c.Val()); err == nil {
			out[i] = &d
		}
	}
	return out, nil
}

func matches(d callback.Delivery, f callback.Filter) bool {
	return (f.State == "" || d.State == f.State) && (f.Caller == "" || d.Caller == f.Caller)
}
