package redisstore

import (
	"cmp"
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/redis/go-redis/v9"
)

// The request index, for the admin's list of requests, one per
// partition (partition.go):
//
//	{t}:reqs   sorted set: cid by creation time (unix ms)
//
// Each new request adds one entry to its cid's partition; every
// trimEvery-th insert of an instance also trims the entries older than
// the retention, so the index expires with the records. List merges the
// partitions newest first, by creation time, then cid.

// listScan bounds the index entries one List call reads, so a filter
// that matches little answers a short page with a cursor rather than
// walking the whole index.
const listScan = 2000

// index adds a new record to its partition's request index, and now and
// then trims expired entries.
func (s *Store) index(ctx context.Context, rec hub.Record) error {
	key := s.pkey(partitionOf(rec.CID), "reqs")
	z := redis.Z{Score: float64(rec.CreatedAt.UnixMilli()), Member: rec.CID}
	if s.indexed.Add(1)%trimEvery != 1 {
		return wrap(s.rdb.ZAdd(ctx, key, z).Err())
	}
	pipe := s.rdb.Pipeline()
	pipe.ZAdd(ctx, key, z)
	pipe.ZRemRangeByScore(ctx, key, "-inf", "("+ms(time.Now().Add(-s.retention)))
	_, err := pipe.Exec(ctx)
	return wrap(err)
}

// List implements hub.Store.
func (s *Store) List(ctx context.Context, f hub.RecordFilter) ([]hub.Record, string, error) {
	cur, hasCursor, err := hub.ParseRecordCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	max := "+inf"
	if hasCursor {
		max = strconv.FormatInt(cur.Ms, 10)
	}
	min := "-inf"
	if !f.Since.IsZero() {
		min = strconv.FormatInt(f.Since.UnixMilli(), 10)
	}
	limit := f.PageLimit()
	out := make([]hub.Record, 0, limit)
	for scanned := 0; scanned < listScan; {
		zs, err := s.newest(ctx, max, min, limit+50)
		if err != nil {
			return nil, "", err
		}
		zs = after(zs, cur, hasCursor)
		if len(zs) == 0 {
			return out, "", nil
		}
		recs, err := s.summaries(ctx, zs)
		if err != nil {
			return nil, "", err
		}
		for i, z := range zs {
			cur, hasCursor = hub.RecordCursor{Ms: int64(z.Score), CID: z.Member.(string)}, true
			scanned++
			if recs[i] != nil && f.Matches(*recs[i]) {
				out = append(out, *recs[i])
			}
			if len(out) == limit {
				return out, cur.String(), nil
			}
		}
		max = strconv.FormatInt(cur.Ms, 10)
	}
	return out, cur.String(), nil
}

// after drops the entries a cursor has passed already.
func after(zs []redis.Z, cur hub.RecordCursor, hasCursor bool) []redis.Z {
	for hasCursor && len(zs) > 0 && !cur.Before(int64(zs[0].Score), zs[0].Member.(string)) {
		zs = zs[1:]
	}
	return zs
}

// summaries reads the records of index entries with their last reply, in
// one round trip; an expired record is nil.
func (s *Store) summaries(ctx context.Context, zs []redis.Z) ([]*hub.Record, error) {
	pipe := s.rdb.Pipeline()
	recs := make([]*redis.MapStringStringCmd, len(zs))
	lasts := make([]*redis.XMessageSliceCmd, len(zs))
	for i, z := range zs {
		cid := z.Member.(string)
		recs[i] = pipe.HGetAll(ctx, s.key("req", cid))
		lasts[i] = pipe.XRevRangeN(ctx, s.key("replies", cid), "+", "-", 1)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap(err)
	}
	out := make([]*hub.Record, len(zs))
	for i, z := range zs {
		if len(recs[i].Val()) == 0 {
			continue
		}
		rec := parseRecord(z.Member.(string), recs[i].Val())
		if rs := parseReplies(z.Member.(string), rec.Caller, lasts[i].Val()); len(rs) > 0 {
			rec.LastReply = &rs[0]
		}
		out[i] = &rec
	}
	return out, nil
}

// newest reads up to n entries of every partition's index from max down
// to min, and answers them merged, newest first, up to the first
// cut-off of a partition that had more (what lies beyond it is not
// known yet).
func (s *Store) newest(ctx context.Context, max, min string, n int) ([]redis.Z, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.ZSliceCmd, Partitions)
	for p := range Partitions {
		cmds[p] = pipe.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{Key: s.pkey(p, "reqs"), Start: max, Stop: min,
			ByScore: true, Rev: true, Count: int64(n)})
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap(err)
	}
	var all []redis.Z
	cut := math.Inf(-1)
	for _, c := range cmds {
		zs := c.Val()
		all = append(all, zs...)
		if len(zs) == n {
			cut = math.Max(cut, zs[n-1].Score)
		}
	}
	slices.SortFunc(all, func(a, b redis.Z) int {
		if a.Score != b.Score {
			return cmp.Compare(b.Score, a.Score)
		}
		return strings.Compare(b.Member.(string), a.Member.(string))
	})
	i := 0
	for i < len(all) && all[i].Score > cut {
		i++
	}
	if i == 0 { // all in the cut-off's millisecond
		return all, nil
	}
	return all[:i], nil
}
