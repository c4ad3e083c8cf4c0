package redisstore

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
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
		entries, more, err := q.listPage(ctx, from, hasFrom, limit+1)
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

// listPos is a position in the merged lists: a stream id and a partition.
// As a cursor it is one decimal number: (ms × listSeqs + seq) × Partitions
// + partition.
type listPos struct {
	ms, seq int64
	part    int
}

// listSeqs bounds the entries one partition's list gets in one
// millisecond.
const listSeqs = 100_000

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

func (p listPos) less(o listPos) bool {
	if p.ms != o.ms {
		return p.ms < o.ms
	}
	if p.seq != o.seq {
		return p.seq < o.seq
	}
	return p.part < o.part
}

// listEntry is one entry of a partition's list: a delivery id at its
// position.
type listEntry struct {
	pos listPos
	id  string
}

// listPage reads up to n entries after from (from the start without it)
// of every partition's list and merges them. It answers the entries known
// to be complete (up to the first cut-off of a partition that had more),
// and whether more follow.
func (q *Queue) listPage(ctx context.Context, from listPos, hasFrom bool, n int) ([]listEntry, bool, error) {
	pipe := q.s.rdb.Pipeline()
	cmds := make([]*redis.XMessageSliceCmd, Partitions)
	for p := range Partitions {
		start := "-"
		if hasFrom {
			id := strconv.FormatInt(from.ms, 10) + "-" + strconv.FormatInt(from.seq, 10)
			start = id // inclusive for the partitions after from's
			if p <= from.part {
				start = "(" + id
			}
		}
		cmds[p] = pipe.XRangeN(ctx, q.s.pkey(p, "list"), start, "+", int64(n))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, false, wrap(err)
	}
	var all []listEntry
	var cut *listPos
	for p, c := range cmds {
		msgs := c.Val()
		for _, m := range msgs {
			id, _ := m.Values["i"].(string)
			all = append(all, listEntry{pos: streamPos(m.ID, p), id: id})
		}
		if len(msgs) == n {
			last := streamPos(msgs[n-1].ID, p)
			if cut == nil || last.less(*cut) {
				cut = &last
			}
		}
	}
	slices.SortFunc(all, func(a, b listEntry) int {
		return cmp.Or(cmp.Compare(a.pos.ms, b.pos.ms), cmp.Compare(a.pos.seq, b.pos.seq), cmp.Compare(a.pos.part, b.pos.part))
	})
	if cut == nil {
		return all, false, nil
	}
	i := 0
	for i < len(all) && !cut.less(all[i].pos) {
		i++
	}
	return all[:i], true, nil
}

// streamPos is the position of stream entry id in partition p.
func streamPos(id string, p int) listPos {
	ms, seq, _ := strings.Cut(id, "-")
	pos := listPos{part: p}
	pos.ms, _ = strconv.ParseInt(ms, 10, 64)
	pos.seq, _ = strconv.ParseInt(seq, 10, 64)
	return pos
}

// getAll reads the deliveries of list entries in one pipeline; one that
// expired is nil.
func (q *Queue) getAll(ctx context.Context, entries []listEntry) ([]*callback.Delivery, error) {
	pipe := q.s.rdb.Pipeline()
	cmds := make([]*redis.StringCmd, len(entries))
	for i, e := range entries {
		if cid, seq, ok := splitID(e.id); ok {
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
		cid, seq, _ := splitID(entries[i].id)
		if d, err := decodeDelivery(cid, seq, c.Val()); err == nil {
			out[i] = &d
		}
	}
	return out, nil
}

func matches(d callback.Delivery, f callback.Filter) bool {
	return (f.State == "" || d.State == f.State) && (f.Caller == "" || d.Caller == f.Caller)
}
