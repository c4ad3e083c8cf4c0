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
	from, hasFrom := parseListPos(f.Cursor)
	if !f.Since.IsZero() {
		// Stream ids come from Redis's clock: start a minute early and
		// filter on the delivery's own creation time.
		if since := (listPos{ms: f.Since.Add(-time.Minute).UnixMilli()}); !hasFrom || from.less(since) {
			from, hasFrom = since, true
			from.seq, from.part = 0, -1 // inclusive of since's first entry
		}
	}
	var out []callback.Delivery
	for scanned := 0; scanned < listScan; {
		var start *listPos
		if hasFrom {
			start = &from
		}
		entries, more, err := q.s.mergedPage(ctx, "list", "i", start, "", limit+1, false)
		if err != nil {
			return nil, "", err
		}
		if len(entries) == 0 {
			return out, "", nil
		}
		ds, err := q.getAll(ctx, entries)
		if err != nil {
			return nil, "", err
		}
		for i, e := range entries {
			from, hasFrom = e.pos, true
			scanned++
			if d := ds[i]; d != nil && matches(*d, f) && !d.CreatedAt.Before(f.Since) {
				out = append(out, *d)
			}
			if len(out) == limit {
				if i == len(entries)-1 && !more {
					return out, "", nil
				}
				return out, from.String(), nil
			}
		}
		if !more {
			return out, "", nil
		}
	}
	return out, from.String(), nil
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
