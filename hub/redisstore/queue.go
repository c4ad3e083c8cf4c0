package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/redis/go-redis/v9"
)

// The delivery queue. Every delivery of a cid lives in the cid's
// partition (partition.go), in keys that share the partition's hash tag
// {t}, so that one script stores, orders and schedules them:
//
//	{t}:d:<cid>  hash: seq → delivery JSON (with its reply while the
//	             delivery may still be attempted: pending, dead or
//	             failed; a skipped one ends as a delivered one does); "q" → the cid's pending seqs in order, the
//	             first the cid's head; "o<offset>" → seq, the offset of
//	             a queued reply a later one may name as its previous
//	             (not kept for an isEnd reply); "g" → offsets of replies
//	             stored but not queued yet (queue_order.go). Expires
//	             retention after the cid's last delivery was added.
//	{t}:due      sorted set: the head of each cid with a pending one, by
//	             due time, or by when its lease ends while an attempt
//	             runs (Claim leases by moving the score)
//	{t}:pend     sorted set: every pending delivery by due time (Stats,
//	             and the due time of a cid's next head)
//	{t}:list     stream: every delivery's id ("i") by creation (List), the
//	             stream id its position; trimmed to the retention. A
//	             stream entry costs a tenth of a sorted set's.
//	{t}:dead     sorted set: dead deliveries by when they died (Stats)
//	{t}:c:<token>
//	             string: the end of the lease a Claim took in the
//	             partition (unix ms) and the ids it leased, separated
//	             by spaces, under the claim's token (an instance's
//	             random id and its count of claims); expires with the
//	             lease. Only a claim that leased something writes one.
//	             A claim script run again (go-redis sent it again after
//	             its connection dropped, or the next Claim after its
//	             answer was lost) answers those still leased until that
//	             end, leases them until its own lease's end (the next
//	             Claim's, from its now), and leases nothing more
//	             (claims.go).
//
// A callback delivered at its first attempt costs two script calls:
// AddLeased (lua/queue_add.lua), which leases it to the instance that
// queued it when it is due at once and heads its cid, and Save
// (lua/queue_save.lua); one that waited, or that its instance had no
// free worker for, costs one share of a Claim (lua/queue_claim.lua) on
// top. Each is in one slot and atomic: no delivery is ever stored
// without being scheduled, so nothing sweeps.
// A cid with one pending delivery never reads another's: its order
// costs nothing.

var (
	addScript     = luaScript("queue_add.lua")
	claimScript   = luaScript("queue_claim.lua")
	saveScript    = luaScript("queue_save.lua")
	unleaseScript = luaScript("queue_unlease.lua")
)

// Queue is callback.Queue on Redis, one per instance. It is safe for
// concurrent use.
type Queue struct {
	s *Store

	watch claimSource // of the due sets (see watch.go) and the claims' tokens and lost calls (claims.go)

	mu   sync.Mutex
	adds int       // Adds since this instance last trimmed an index
	old  oldLayout // deliveries of an older callhub (queue_upgrade.go)
}

var (
	_ callback.Queue     = (*Queue)(nil)
	_ callback.AddLeaser = (*Queue)(nil)
)

// Queue returns the delivery queue of this instance.
func (s *Store) Queue() *Queue {
	return &Queue{s: s, watch: newClaimSource("due", queueScanEvery)}
}

// cidKey is the hash of cid's deliveries.
func (q *Queue) cidKey(cid string) string {
	return q.s.prefix + "{" + partitionTags[partitionOf(cid)] + "}:d:" + cid // pkey(p, "d:"+cid) in one string
}

// splitID parses "<cid>.<seq>"; a cid may itself hold dots.
var splitID = callback.SplitDeliveryID

// trimEvery is how many Adds an instance makes between two trims of the
// creation index: each trim drops everything past the retention.
const trimEvery = 64

// Add implements callback.Queue: one script call.
func (q *Queue) Add(ctx context.Context, d callback.Delivery) error {
	_, err := q.add(ctx, d, time.Time{}, 0)
	return err
}

// AddLeased implements callback.AddLeaser: Add's one script call, which
// leases the delivery too, so no claim follows.
func (q *Queue) AddLeased(ctx context.Context, d callback.Delivery, now time.Time, lease time.Duration) (bool, error) {
	return q.add(ctx, d, now, lease)
}

// Unlease implements callback.AddLeaser: one script call. A lease is
// told by its end, kept to the microsecond (leaseMS); a claim's lease
// ends on a whole millisecond, where the Deliverer never ends one it
// takes with AddLeased, and is kept.
func (q *Queue) Unlease(ctx context.Context, d callback.Delivery, until time.Time) error {
	p := partitionOf(d.CID)
	n, err := unleaseScript.Run(ctx, q.s.batched, []string{q.s.pkey(p, "due")},
		callback.DeliveryID(d.CID, d.Seq), leaseMS(until), d.NextAttemptAt.UnixMilli()).Int()
	if err != nil {
		return wrap(err)
	}
	if n == 1 {
		q.watch.heat(p, d.NextAttemptAt)
	}
	return nil
}

// add is Add, and leases d from at (the claimer's clock) for lease when
// lease is not 0.
func (q *Queue) add(ctx context.Context, d callback.Delivery, at time.Time, lease time.Duration) (leased bool, err error) {
	p := partitionOf(d.CID)
	now := time.Now()
	trim := ""
	q.mu.Lock()
	if q.adds++; q.adds%trimEvery == 1 {
		trim = ms(now.Add(-q.s.retention))
	}
	q.mu.Unlock()
	more := "1"
	if d.Reply.IsEnd {
		more = ""
	}
	leaseEnd, leaseStart := "", ""
	if lease > 0 {
		leaseEnd, leaseStart = leaseMS(at.Add(lease)), ms(at)
	}
	keys := []string{q.cidKey(d.CID), q.s.pkey(p, "due"), q.s.pkey(p, "list"), q.s.pkey(p, "pend")}
	res, err := q.s.eval(ctx, addScript, keys, d.Seq, encodeDelivery(d), q.s.retention.Milliseconds(), d.State,
		d.Reply.Offset, d.Reply.Prev, d.CID, d.NextAttemptAt.UnixMilli(), d.CreatedAt.UnixMilli(), trim,
		now.UnixMilli(), more, leaseEnd, leaseStart).Int()
	if err != nil {
		return false, wrap(err)
	}
	if res == 2 {
		return true, nil // nothing left due for a claim
	}
	due := time.Time{}
	if d.State == callback.Pending {
		due = d.NextAttemptAt
	}
	q.watch.heat(p, due)
	return false, nil
}

// Save implements callback.Queue: one script call.
func (q *Queue) Save(ctx context.Context, d callback.Delivery) error {
	p := partitionOf(d.CID)
	now := time.Now()
	keys := []string{q.cidKey(d.CID), q.s.pkey(p, "due"), q.s.pkey(p, "pend"), q.s.pkey(p, "dead")}
	res, err := saveScript.Run(ctx, q.s.batched, keys, d.Seq, encodeDelivery(d), d.State,
		d.NextAttemptAt.UnixMilli(), d.CID, now.UnixMilli(), ms(now.Add(-q.s.retention))).Int()
	if err != nil {
		return wrap(err)
	}
	if res < 0 {
		return hub.Errorf(hub.ErrNotFound, "delivery %s not found", d.ID)
	}
	if res == 1 {
		q.watch.heat(p, now) // now is kept by a claim racing this save with an older now
	}
	if d.State == callback.Pending {
		q.watch.dueAt(p, d.NextAttemptAt)
	}
	return nil
}

// Get implements callback.Queue.
func (q *Queue) Get(ctx context.Context, id string) (callback.Delivery, error) {
	cid, seq, ok := splitID(id)
	if !ok {
		return callback.Delivery{}, hub.Errorf(hub.ErrNotFound, "delivery %s not found", id)
	}
	s, err := q.s.rdb.HGet(ctx, q.cidKey(cid), strconv.Itoa(seq)).Result()
	if errors.Is(err, redis.Nil) {
		return callback.Delivery{}, hub.Errorf(hub.ErrNotFound, "delivery %s not found", id)
	}
	if err != nil {
		return callback.Delivery{}, wrap(err)
	}
	return decodeDelivery(cid, seq, s)
}

// ForCID implements callback.Queue.
func (q *Queue) ForCID(ctx context.Context, cid string) ([]callback.Delivery, error) {
	all, err := q.s.rdb.HGetAll(ctx, q.cidKey(cid)).Result()
	if err != nil {
		return nil, wrap(err)
	}
	return cidDeliveries(cid, all), nil
}

// cidDeliveries are the deliveries of a cid's hash, in seq order.
func cidDeliveries(cid string, fields map[string]string) []callback.Delivery {
	out := make([]callback.Delivery, 0, len(fields))
	for k, v := range fields {
		seq, err := strconv.Atoi(k)
		if err != nil {
			continue // q, g, o<offset>
		}
		if d, err := decodeDelivery(cid, seq, v); err == nil {
			out = append(out, d)
		}
	}
	sortBySeq(out)
	return out
}

func sortBySeq(ds []callback.Delivery) {
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && ds[j].Seq < ds[j-1].Seq; j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
}

// toMs is t to the millisecond, in UTC.
func toMs(t time.Time) time.Time { return t.Truncate(time.Millisecond).UTC() }

// ms is t in unix milliseconds, in decimal.
func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// leaseMS is t in unix ms to the microsecond ("1796665056094.123"): the
// score of a lease AddLeased takes, told apart from another by its end
// (callback.AddLeaser). A sorted set's double keeps a microsecond of
// today's unix ms apart from the next (its step there is 1/4096 ms), and
// the script compares the scores, not their text.
func leaseMS(t time.Time) string {
	us := t.UnixMicro()
	return fmt.Sprintf("%d.%03d", us/1000, us%1000)
}
