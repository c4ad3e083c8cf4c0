package redisstore

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// The partitions' lists (the request index, the deliveries by creation)
// are streams, one per partition, read merged: by stream id, then
// partition. A position in such a merged list is a listPos.
type listPos struct {
	ms, seq int64
	part    int
}

// listSeqs bounds the entries one partition's list gets in one
// millisecond.
const listSeqs = 100_000

func (p listPos) less(o listPos) bool {
	return cmp.Or(cmp.Compare(p.ms, o.ms), cmp.Compare(p.seq, o.seq), cmp.Compare(p.part, o.part)) < 0
}

// streamPos is the position of stream entry id in partition p.
func streamPos(id string, p int) listPos {
	ms, seq, _ := strings.Cut(id, "-")
	pos := listPos{part: p}
	pos.ms, _ = strconv.ParseInt(ms, 10, 64)
	pos.seq, _ = strconv.ParseInt(seq, 10, 64)
	return pos
}

// listEntry is one entry of a merged list: its position and the value of
// its one field.
type listEntry struct {
	pos   listPos
	value string
}

// mergedPage reads up to n entries of every partition's list name past
// from (from the start without it), oldest first or, with newest, newest
// first, down or up to bound (a stream id; "" for none), and merges
// them. It answers the entries known to be complete — up to the first
// cut-off of a partition that had more — and whether more follow.
func (s *Store) mergedPage(ctx context.Context, name, field string, from *listPos, bound string, n int, newest bool) ([]listEntry, bool, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.XMessageSliceCmd, Partitions)
	for p := range Partitions {
		start := "-"
		if newest {
			start = "+"
		}
		if from != nil {
			id := strconv.FormatInt(from.ms, 10) + "-" + strconv.FormatInt(from.seq, 10)
			// The same stream id in another partition comes before from or
			// after it by the partition's number.
			start = id
			if !newest && p <= from.part || newest && p >= from.part {
				start = "(" + id
			}
		}
		key := s.pkey(p, name)
		if newest {
			cmds[p] = pipe.XRevRangeN(ctx, key, start, cmp.Or(bound, "-"), int64(n))
		} else {
			cmds[p] = pipe.XRangeN(ctx, key, start, cmp.Or(bound, "+"), int64(n))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, false, wrap(err)
	}
	before := func(a, b listPos) bool { return a.less(b) != newest && a != b } // a is listed before b
	var all []listEntry
	var cut *listPos
	for p, c := range cmds {
		msgs := c.Val()
		for _, m := range msgs {
			v, _ := m.Values[field].(string)
			all = append(all, listEntry{pos: streamPos(m.ID, p), value: v})
		}
		if len(msgs) == n {
			if last := streamPos(msgs[n-1].ID, p); cut == nil || before(last, *cut) {
				cut = &last
			}
		}
	}
	slices.SortFunc(all, func(a, b listEntry) int {
		if before(a.pos, b.pos) {
			return -1
		}
		return 1
	})
	if cut == nil {
		return all, false, nil
	}
	i := 0
	for i < len(all) && !before(*cut, all[i].pos) {
		i++
	}
	return all[:i], true, nil
}

// listQuery is a walk through a merged list: which list, which field of
// its entries, in which direction, past which position (nil: from the
// start), down or up to which stream id ("" for none).
type listQuery struct {
	name, field string
	newest      bool
	from        *listPos
	bound       string
}

// walkList pages through a merged list for up to limit items: fetch reads
// the items of a page of entries (nil for one that is gone), keep filters
// them. It reads at most listScan entries, so a filter that matches
// little answers a short page. It answers the items and the position of
// the last entry passed, nil once the list has nothing more.
func walkList[T any](ctx context.Context, s *Store, q listQuery, limit int,
	fetch func(context.Context, []listEntry) ([]*T, error), keep func(*T) bool) ([]T, *listPos, error) {
	out := make([]T, 0, limit)
	for scanned := 0; scanned < listScan; {
		entries, more, err := s.mergedPage(ctx, q.name, q.field, q.from, q.bound, limit+1, q.newest)
		if err != nil {
			return nil, nil, err
		}
		if len(entries) == 0 {
			return out, nil, nil
		}
		items, err := fetch(ctx, entries)
		if err != nil {
			return nil, nil, err
		}
		for i, e := range entries {
			q.from = &e.pos
			scanned++
			if items[i] != nil && keep(items[i]) {
				out = append(out, *items[i])
			}
			if len(out) == limit {
				if i == len(entries)-1 && !more {
					return out, nil, nil
				}
				return out, q.from, nil
			}
		}
		if !more {
			return out, nil, nil
		}
	}
	return out, q.from, nil
}
