package redisstore

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/redis/go-redis/v9"
)

// The request index, for the admin's list of requests:
//
//	reqs   sorted set: cid by creation time (unix ms)
//
// One key for every cid, so under Cluster it lives in one slot: an admin
// index, written once per new request. Each insert trims the entries
// older than the retention, so the index expires with the records.

// listScan bounds the index entries one List call reads, so a filter
// that matches little answers a short page with a cursor rather than
// walking the whole index.
const listScan = 2000

func (s *Store) indexKey() string { return s.prefix + "reqs" }

// index adds a new record to the request index and trims expired entries.
func (s *Store) index(ctx context.Context, rec hub.Record) error {
	pipe := s.rdb.Pipeline()
	pipe.ZAdd(ctx, s.indexKey(), redis.Z{Score: float64(rec.CreatedAt.UnixMilli()), Member: rec.CID})
	expired := time.Now().Add(-s.retention).UnixMilli()
	pipe.ZRemRangeByScore(ctx, s.indexKey(), "-inf", "("+strconv.FormatInt(expired, 10))
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
		zs, err := s.rdb.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{Key: s.indexKey(), Start: max, Stop: min,
			ByScore: true, Rev: true, Offset: 0, Count: int64(limit + 50)}).Result()
		if err != nil {
			return nil, "", wrap(err)
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
		rec := parseRecord(recs[i].Val())
		if rs := parseReplies(z.Member.(string), rec.Caller, lasts[i].Val()); len(rs) > 0 {
			rec.LastReply = &rs[0]
		}
		out[i] = &rec
	}
	return out, nil
}
