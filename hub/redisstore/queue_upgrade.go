package redisstore

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/redis/go-redis/v9"
)

// Upgrading from the previous layout. Before the partitions, the queue
// was shared by every instance in one slot ({dq}):
//
//	{dq}:all {dq}:pending {dq}:delayed {dq}:sweep {dq}:dead
//	                sorted sets of delivery ids
//	{dq}:ready      stream of due ids ("id"), consumer group "workers"
//	dlv:{cid}       hash: seq → delivery JSON (with its reply)
//	dst:{cid}       hash: seq → state
//	dls:{cid} dof:{cid} dgp:{cid}
//	                leases, offsets and gaps
//	reqs            sorted set: the request index (list.go), one key
//
// Every instance looks for such deliveries when it starts and then every
// upgradeEvery (one EXISTS), and moves those it finds into the partitions
// with their state and attempts: a pending one is attempted as usual. It
// removes from the old keys only what it moved, so deliveries an
// instance of the previous release adds meanwhile (a rolling upgrade)
// are moved at a later look. A delivery such an instance is attempting
// while it is moved may be sent twice (callbacks are at least once).

const upgradeEvery = time.Minute

// oldLayout is what a Queue knows of the previous layout.
type oldLayout struct {
	checkAt time.Time // when to look again
}

func (q *Queue) oldKey(name string) string { return q.s.prefix + "{dq}:" + name }

var oldIndexes = []string{"all", "pending", "delayed", "sweep", "dead"}

// upgrade moves the previous layout's deliveries when a look is due.
func (q *Queue) upgrade(ctx context.Context, now time.Time) error {
	q.mu.Lock()
	due := !now.Before(q.old.checkAt)
	if due {
		q.old.checkAt = now.Add(upgradeEvery)
	}
	q.mu.Unlock()
	if !due {
		return nil
	}
	if err := q.s.upgradeIndex(ctx); err != nil {
		return err
	}
	keys := []string{q.oldKey("ready")}
	for _, name := range oldIndexes {
		keys = append(keys, q.oldKey(name))
	}
	n, err := q.s.rdb.Exists(ctx, keys...).Result()
	if err != nil || n == 0 {
		return wrap(err)
	}
	ok, err := q.s.rdb.SetNX(ctx, q.oldKey("upgrading"), "1", upgradeEvery).Result()
	if err != nil || !ok {
		return wrap(err) // another instance moves them
	}
	defer q.s.rdb.Del(context.WithoutCancel(ctx), q.oldKey("upgrading"))
	ids, entries, err := q.oldIDs(ctx)
	if err != nil {
		return err
	}
	if err := q.moveOld(ctx, ids, now); err != nil {
		return err
	}
	pipe := q.s.rdb.Pipeline()
	for _, name := range oldIndexes {
		for chunk := range slices.Chunk(ids, 500) {
			members := make([]any, len(chunk))
			for i, id := range chunk {
				members[i] = id
			}
			pipe.ZRem(ctx, q.oldKey(name), members...)
		}
	}
	for chunk := range slices.Chunk(entries, 500) {
		pipe.XDel(ctx, q.oldKey("ready"), chunk...)
	}
	ready := pipe.XLen(ctx, q.oldKey("ready"))
	if _, err := pipe.Exec(ctx); err != nil {
		return wrap(err)
	}
	if ready.Val() == 0 { // every id it held is in the indexes too
		return wrap(q.s.rdb.Del(ctx, q.oldKey("ready")).Err())
	}
	return nil
}

// oldIDs answers every delivery id the old indexes and ready stream name,
// and the stream's entries.
func (q *Queue) oldIDs(ctx context.Context) ([]string, []string, error) {
	pipe := q.s.rdb.Pipeline()
	var zs []*redis.StringSliceCmd
	for _, name := range oldIndexes {
		zs = append(zs, pipe.ZRange(ctx, q.oldKey(name), 0, -1))
	}
	ready := pipe.XRange(ctx, q.oldKey("ready"), "-", "+")
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, wrap(err)
	}
	seen := map[string]bool{}
	var ids, entries []string
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, c := range zs {
		for _, id := range c.Val() {
			add(id)
		}
	}
	for _, m := range ready.Val() {
		entries = append(entries, m.ID)
		if id, ok := m.Values["id"].(string); ok {
			add(id)
		}
	}
	return ids, entries, nil
}

// moveOld moves the named deliveries, cid by cid in seq order, into the
// partitions, and removes them from their cid's old keys.
func (q *Queue) moveOld(ctx context.Context, ids []string, now time.Time) error {
	byCID := map[string][]int{}
	for _, id := range ids {
		if cid, seq, ok := splitID(id); ok {
			byCID[cid] = append(byCID[cid], seq)
		}
	}
	for cid, seqs := range byCID {
		slices.Sort(seqs)
		if err := q.moveCID(ctx, cid, seqs, now); err != nil {
			return err
		}
	}
	return nil
}

func (q *Queue) moveCID(ctx context.Context, cid string, seqs []int, now time.Time) error {
	fields := make([]string, len(seqs))
	for i, seq := range seqs {
		fields[i] = strconv.Itoa(seq)
	}
	pipe := q.s.rdb.Pipeline()
	dlv := pipe.HMGet(ctx, q.s.key("dlv", cid), fields...)
	dst := pipe.HMGet(ctx, q.s.key("dst", cid), fields...)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return wrap(err)
	}
	for i := range seqs {
		js, _ := dlv.Val()[i].(string)
		d, err := decodeDelivery(cid, seqs[i], js)
		if js == "" || err != nil {
			continue // expired, or not a delivery
		}
		if state, _ := dst.Val()[i].(string); state != "" {
			d.State = state
		}
		if d.State == callback.Pending && d.NextAttemptAt.IsZero() {
			d.NextAttemptAt = now
		}
		d.Reply.Prev = "" // no link to what was not moved
		if err := q.Add(ctx, d); err != nil {
			return err
		}
	}
	pipe = q.s.rdb.Pipeline()
	pipe.HDel(ctx, q.s.key("dlv", cid), fields...)
	pipe.HDel(ctx, q.s.key("dst", cid), fields...)
	pipe.Del(ctx, q.s.key("dls", cid))
	pipe.Del(ctx, q.s.key("dof", cid))
	pipe.Del(ctx, q.s.key("dgp", cid))
	_, err := pipe.Exec(ctx)
	return wrap(err)
}

// upgradeIndex moves the previous release's request index, one sorted
// set for every cid, into the partitions' indexes, a page at a time.
func (s *Store) upgradeIndex(ctx context.Context) error {
	old := s.prefix + "reqs"
	for {
		zs, err := s.rdb.ZRangeWithScores(ctx, old, 0, 999).Result()
		if err != nil || len(zs) == 0 {
			return wrap(err)
		}
		members := make([]any, len(zs))
		for i, z := range zs {
			cid, _ := z.Member.(string)
			if err := s.index(ctx, hub.Record{CID: cid, CreatedAt: time.UnixMilli(int64(z.Score))}); err != nil {
				return err
			}
			members[i] = z.Member
		}
		if err := s.rdb.ZRem(ctx, old, members...).Err(); err != nil {
			return wrap(err)
		}
	}
}
