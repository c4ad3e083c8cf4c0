package redisstore

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/redis/go-redis/v9"
)

// The request index, for the admin's list of requests, one per
// partition (partition.go):
//
//	{t}:reqs   stream: each new request's cid ("c"), its stream id
//	           the request's creation time (or, when that is earlier
//	           than the last entry's, just after it)
//
// A stream entry costs ~40 bytes where a sorted set's cost ~140. Every
// trimEvery-th insert of an instance also trims the entries older than
// the retention, so the index expires with the records. Off a Cluster
// (one Redis, Sentinel) OpenStep's script adds a new request's entry
// with its record, in one round trip; on a Cluster the index is in its
// partition's slot, not the cid's, so the entry is its own XADD (index).
// List merges the partitions newest first: by stream id, then partition.

// listScan bounds the index entries one List call reads, so a filter
// that matches little answers a short page with a cursor rather than
// walking the whole index.
const listScan = 2000

// index adds a new record to its partition's request index, and now and
// then trims expired entries: its own round trip, after the record's.
// Off a Cluster, OpenStep adds the entry in its script instead (open.lua);
// on one, the index and the record are in different slots.
func (s *Store) index(ctx context.Context, rec hub.Record) error {
	args := &redis.XAddArgs{Stream: s.indexKey(rec.CID), ID: indexID(rec), Values: []any{"c", rec.CID}}
	if trim := s.nextIndexTrim(); trim != "" {
		args.MinID, args.Approx = trim, true
	}
	s.indexed.Add(1)
	err := s.rdb.XAdd(ctx, args).Err()
	if err != nil && strings.Contains(err.Error(), "equal or smaller") {
		args.ID = "*" // an entry of a later time is there already: just after it
		err = s.rdb.XAdd(ctx, args).Err()
	}
	return wrap(err)
}

// indexKey is the request index of cid's partition.
func (s *Store) indexKey(cid string) string { return s.pkey(partitionOf(cid), "reqs") }

// indexID is the stream id of rec's index entry: its creation time.
func indexID(rec hub.Record) string { return strconv.FormatInt(rec.CreatedAt.UnixMilli(), 10) + "-*" }

// nextIndexTrim is the MINID this instance's next index insert trims
// the index to, the retention, or "" when it trims nothing: every
// trimEvery-th insert trims. The insert then adds 1 to s.indexed.
func (s *Store) nextIndexTrim() string {
	if s.indexed.Load()%trimEvery != 0 {
		return ""
	}
	return ms(time.Now().Add(-s.retention))
}

// List implements hub.Store. Its cursor is a hub.RecordCursor whose CID
// holds the rest of a position ("<seq>.<partition>").
func (s *Store) List(ctx context.Context, f hub.RecordFilter) ([]hub.Record, string, error) {
	cur, hasCursor, err := hub.ParseRecordCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	lq := listQuery{name: "reqs", field: "c", newest: true}
	if hasCursor {
		lq.from = recordPos(cur)
	}
	if !f.Since.IsZero() {
		lq.bound = strconv.FormatInt(f.Since.UnixMilli(), 10)
	}
	out, next, err := walkList(ctx, s, lq, f.PageLimit(), s.summaries, func(rec *hub.Record) bool { return f.Matches(*rec) })
	if err != nil || next == nil {
		return out, "", err
	}
	return out, positionCursor(*next), nil
}

func positionCursor(p listPos) string {
	return hub.RecordCursor{Ms: p.ms, CID: strconv.FormatInt(p.seq, 10) + "." + strconv.Itoa(p.part)}.String()
}

// recordPos reads a position off a cursor. One of an older callhub
// (ms and a cid) starts at the newest entry of that millisecond.
func recordPos(c hub.RecordCursor) *listPos {
	seq, part, _ := strings.Cut(c.CID, ".")
	p := listPos{ms: c.Ms, seq: listSeqs, part: Partitions}
	if n, err := strconv.ParseInt(seq, 10, 64); err == nil {
		if q, err := strconv.Atoi(part); err == nil && q >= 0 && q < Partitions {
			p.seq, p.part = n, q
		}
	}
	return &p
}

// summaries reads the records of index entries with their last reply, in
// one round trip; an expired record is nil.
func (s *Store) summaries(ctx context.Context, entries []listEntry) ([]*hub.Record, error) {
	pipe := s.rdb.Pipeline()
	recs := make([]*redis.MapStringStringCmd, len(entries))
	lasts := make([]*redis.XMessageSliceCmd, len(entries))
	for i, e := range entries {
		recs[i] = pipe.HGetAll(ctx, s.key("req", e.value))
		lasts[i] = pipe.XRevRangeN(ctx, s.key("replies", e.value), "+", "-", 1)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap(err)
	}
	out := make([]*hub.Record, len(entries))
	for i, e := range entries {
		if len(recs[i].Val()) == 0 {
			continue
		}
		rec := parseRecord(e.value, recs[i].Val())
		if rs := parseReplies(e.value, rec.Caller, lasts[i].Val()); len(rs) > 0 {
			rec.LastReply = &rs[0]
		}
		out[i] = &rec
	}
	return out, nil
}
