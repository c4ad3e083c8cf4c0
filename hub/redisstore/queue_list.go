package redisstore

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/callhub/callhub/hub/callback"
	"github.com/redis/go-redis/v9"
)

// List implements callback.Queue: the partitions' lists (streams) merged
// in creation order: by stream id, then partition. The cursor is the
// position of the last delivery passed, in decimal (see listPos).
func (q *Queue) List(ctx context.Context, f callback.Filter) ([]callback.Delivery, string, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	lq := listQuery{name: "list", field: "i"}
	if from, ok := parseListPos(f.Cursor); ok {
		lq.from = &from
	}
	if !f.Since.IsZero() {
		// Stream ids come from Redis's clock: start a minute early and
		// filter on the delivery's own creation time.
		since := listPos{ms: f.Since.Add(-time.Minute).UnixMilli(), part: -1} // -1: inclusive of its first entry
		if lq.from == nil || lq.from.less(since) {
			lq.from = &since
		}
	}
	out, next, err := walkList(ctx, q.s, lq, limit, q.getAll, func(d *callback.Delivery) bool {
		return matches(*d, f) && !d.CreatedAt.Before(f.Since)
	})
	if err != nil || next == nil {
		return out, "", err
	}
	return out, next.String(), nil
}

// String is the position as a cursor: one decimal number, (ms × listSeqs
// + seq) × Partitions + partition.
func (p listPos) String() string {
	return strconv.FormatInt((p.ms*listSeqs+p.seq)*Partitions+int64(p.part), 10)
}

func parseListPos(s string) (listPos, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if s == "" || err != nil || n < 0 {
		return listPos{}, false
	}
	return listPos{ms: n / Partitions / listSeqs, seq: n / Partitions % listSeqs, part: int(n % Partitions)}, true
}

// getAll reads the deliveries of list entries in one pipeline; one that
// expired is nil.
func (q *Queue) getAll(ctx context.Context, entries []listEntry) ([]*callback.Delivery, error) {
	pipe := q.s.rdb.Pipeline()
	cmds := make([]*redis.StringCmd, len(entries))
	for i, e := range entries {
		if cid, seq, ok := splitID(e.value); ok {
			cmds[i] = pipe.HGet(ctx, q.cidKey(cid), strconv.Itoa(seq))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap(err)
	}
	out := make([]*callback.Delivery, len(entries))
	for i, c := range cmds {
		if c == nil || c.Err() != nil {
			continue
		}
		cid, seq, _ := splitID(entries[i].value)
		if d, err := decodeDelivery(cid, seq, c.Val()); err == nil {
			out[i] = &d
		}
	}
	return out, nil
}

func matches(d callback.Delivery, f callback.Filter) bool {
	return (f.State == "" || d.State == f.State) && (f.Caller == "" || d.Caller == f.Caller)
}
