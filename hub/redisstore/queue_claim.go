package redisstore

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/callhub/callhub/hub/callback"
	"github.com/redis/go-redis/v9"
)

// Claim implements callback.Queue: due ids move from the delayed set to the
// ready stream; this consumer reads new entries and takes over entries
// idle longer than lease (their consumer died), and leases each delivery
// that heads its cid.
func (q *Queue) Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]callback.Delivery, error) {
	if err := q.ensureGroup(ctx); err != nil {
		return nil, err
	}
	if err := q.sweep(ctx, now); err != nil { // what a dead instance left unscheduled
		return nil, err
	}
	if err := moveScript.Run(ctx, q.s.rdb, []string{q.qkey("delayed"), q.qkey("ready")},
		now.UnixMilli(), 1000).Err(); err != nil {
		return nil, wrap(err)
	}
	msgs, err := q.read(ctx, n, lease)
	if err != nil {
		return nil, err
	}
	out := make([]callback.Delivery, 0, len(msgs))
	for _, m := range msgs {
		d, ok, err := q.lease(ctx, m, now, lease)
		if err != nil {
			return out, err
		}
		if ok {
			out = append(out, d)
		}
	}
	return out, nil
}

// read returns entries whose consumer died, then new ones.
func (q *Queue) read(ctx context.Context, n int, lease time.Duration) ([]redis.XMessage, error) {
	stolen, _, err := q.s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: q.qkey("ready"), Group: groupName,
		Consumer: q.consumer, MinIdle: lease, Start: "0-0", Count: int64(n)}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, q.groupErr(err)
	}
	if len(stolen) >= n {
		return stolen, nil
	}
	streams, err := q.s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: groupName, Consumer: q.consumer,
		Streams: []string{q.qkey("ready"), ">"}, Count: int64(n - len(stolen)), Block: -1}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, q.groupErr(err)
	}
	for _, s := range streams {
		stolen = append(stolen, s.Messages...)
	}
	return stolen, nil
}

// groupErr forgets the group after Redis lost it (a restart without
// persistence), so the next Claim creates it again.
func (q *Queue) groupErr(err error) error {
	if strings.Contains(err.Error(), "NOGROUP") {
		q.mu.Lock()
		q.group = false
		q.mu.Unlock()
	}
	return wrap(err)
}

func (q *Queue) ensureGroup(ctx context.Context) error {
	q.mu.Lock()
	ok := q.group
	q.mu.Unlock()
	if ok {
		return nil
	}
	err := q.s.rdb.XGroupCreateMkStream(ctx, q.qkey("ready"), groupName, "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return wrap(err)
	}
	q.mu.Lock()
	q.group = true
	q.mu.Unlock()
	return nil
}

// lease takes one stream entry: a delivery heading its cid is leased and
// returned; any other entry is acknowledged away (its cid's predecessor
// schedules it again when done).
func (q *Queue) lease(ctx context.Context, m redis.XMessage, now time.Time, lease time.Duration) (callback.Delivery, bool, error) {
	id, _ := m.Values["id"].(string)
	cid, seq, ok := splitID(id)
	if !ok {
		return callback.Delivery{}, false, q.drop(ctx, m.ID)
	}
	res, err := leaseScript.Run(ctx, q.s.rdb, q.cidKeys(cid), seq, now.UnixMilli(),
		now.Add(lease).UnixMilli(), q.s.retention.Milliseconds()).StringSlice()
	if err != nil {
		return callback.Delivery{}, false, wrap(err)
	}
	switch res[0] {
	case "ok":
		d, err := decodeDelivery(res[1])
		if err != nil {
			return d, false, q.drop(ctx, m.ID)
		}
		if d.NextAttemptAt.After(now) {
			// taken over after a crash between a retry's save and its
			// scheduling: wait for the retry time, not the lease
			return d, false, q.later(ctx, m.ID, d)
		}
		q.mu.Lock()
		q.entries[id] = m.ID
		q.mu.Unlock()
		return d, true, nil
	case "held":
		// Another instance's lease still runs (clocks differ a little):
		// keep the entry pending, to be taken over again after the lease.
		return callback.Delivery{}, false, nil
	case "done":
		if len(res) > 1 && res[1] != "" {
			next := redis.Z{Score: float64(now.UnixMilli()), Member: cid + "." + res[1]}
			if err := q.s.rdb.ZAddNX(ctx, q.qkey("delayed"), next).Err(); err != nil {
				return callback.Delivery{}, false, wrap(err)
			}
		}
	}
	return callback.Delivery{}, false, q.drop(ctx, m.ID)
}

// later releases a lease and schedules the delivery at its retry time.
func (q *Queue) later(ctx context.Context, entry string, d callback.Delivery) error {
	pipe := q.s.rdb.Pipeline()
	pipe.HDel(ctx, q.s.key("dls", d.CID), strconv.Itoa(d.Seq))
	pipe.ZAdd(ctx, q.qkey("delayed"), redis.Z{Score: float64(d.NextAttemptAt.UnixMilli()), Member: d.ID})
	pipe.XAck(ctx, q.qkey("ready"), groupName, entry)
	pipe.XDel(ctx, q.qkey("ready"), entry)
	_, err := pipe.Exec(ctx)
	return wrap(err)
}

func (q *Queue) drop(ctx context.Context, entry string) error {
	pipe := q.s.rdb.Pipeline()
	pipe.XAck(ctx, q.qkey("ready"), groupName, entry)
	pipe.XDel(ctx, q.qkey("ready"), entry)
	_, err := pipe.Exec(ctx)
	return wrap(err)
}

// List implements callback.Queue. The cursor is a position in the set of all
// deliveries by creation time.
func (q *Queue) List(ctx context.Context, f callback.Filter) ([]callback.Delivery, string, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	pos, _ := strconv.ParseInt(f.Cursor, 10, 64)
	min := "-inf"
	if !f.Since.IsZero() {
		min = strconv.FormatInt(f.Since.UnixMilli(), 10)
	}
	var out []callback.Delivery
	for len(out) < limit {
		ids, err := q.s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: q.qkey("all"), Start: min, Stop: "+inf",
			ByScore: true, Offset: pos, Count: int64(limit)}).Result()
		if err != nil {
			return nil, "", wrap(err)
		}
		for i, id := range ids {
			d, err := q.Get(ctx, id)
			if err == nil && matches(d, f) {
				out = append(out, d)
			}
			if len(out) == limit {
				return out, strconv.FormatInt(pos+int64(i)+1, 10), nil
			}
		}
		if len(ids) < limit {
			return out, "", nil
		}
		pos += int64(len(ids))
	}
	return out, strconv.FormatInt(pos, 10), nil
}

func matches(d callback.Delivery, f callback.Filter) bool {
	return (f.State == "" || d.State == f.State) && (f.Caller == "" || d.Caller == f.Caller)
}
