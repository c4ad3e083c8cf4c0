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
