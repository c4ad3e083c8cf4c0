package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/redis/go-redis/v9"
)

// Queue is callback.Queue on Redis, one per instance: consumer names it in the
// shared consumer group. It is safe for concurrent use.
type Queue struct {
	s        *Store
	consumer string

	mu      sync.Mutex
	entries map[string]string // delivery id → stream entry id, while leased here
	group   bool              // the consumer group exists
	sweepAt time.Time         // when Claim sweeps next (queue_sweep.go)
}

var _ callback.Queue = (*Queue)(nil)

const groupName = "workers"

// Queue returns the delivery queue of this instance; consumer must be
// unique among live instances (a hostname and pid, say).
func (s *Store) Queue(consumer string) *Queue {
	return &Queue{s: s, consumer: consumer, entries: map[string]string{}}
}

func (q *Queue) qkey(name string) string { return q.s.prefix + "{dq}:" + name }

func (q *Queue) cidKeys(cid string) []string {
	return []string{q.s.key("dlv", cid), q.s.key("dst", cid), q.s.key("dls", cid),
		q.s.key("dof", cid), q.s.key("dgp", cid)}
}

// storedDelivery is a delivery with its reply, as stored.
type storedDelivery struct {
	callback.Delivery
	Reply hub.Reply `json:"reply"`
}

func encodeDelivery(d callback.Delivery) []byte {
	b, _ := json.Marshal(storedDelivery{Delivery: d, Reply: d.Reply})
	return b
}

func decodeDelivery(s string) (callback.Delivery, error) {
	var sd storedDelivery
	if err := json.Unmarshal([]byte(s), &sd); err != nil {
		return callback.Delivery{}, err
	}
	sd.Delivery.Reply = sd.Reply
	return sd.Delivery, nil
}

// splitID parses "<cid>.<seq>"; a cid may itself hold dots.
func splitID(id string) (string, int, bool) {
	i := strings.LastIndexByte(id, '.')
	if i < 0 {
		return "", 0, false
	}
	seq, err := strconv.Atoi(id[i+1:])
	return id[:i], seq, err == nil
}

// Add implements callback.Queue.
func (q *Queue) Add(ctx context.Context, d callback.Delivery) error {
	res, err := q.store(ctx, d)
	if err != nil {
		return err
	}
	err = q.s.write(ctx, q.qkey("all"), func(pipe redis.Pipeliner) {
		if res[0] == 1 {
			pipe.ZAddNX(ctx, q.qkey("delayed"), redis.Z{Score: float64(d.NextAttemptAt.UnixMilli()), Member: d.ID})
			pipe.ZAddNX(ctx, q.qkey("pending"), redis.Z{Score: float64(d.NextAttemptAt.UnixMilli()), Member: d.ID})
		}
		q.scheduleHead(ctx, pipe, d.CID, int(res[1]))
		pipe.ZRem(ctx, q.qkey("sweep"), d.ID)
		pipe.ZAddNX(ctx, q.qkey("all"), redis.Z{Score: float64(d.CreatedAt.UnixMilli()), Member: d.ID})
		pipe.ZRemRangeByScore(ctx, q.qkey("all"), "-inf", strconv.FormatInt(time.Now().Add(-q.s.retention).UnixMilli(), 10))
	})
	return wrap(err)
}

// store is the first half of Add: it marks d for the sweeper, then runs
// the add script; the second half schedules it.
func (q *Queue) store(ctx context.Context, d callback.Delivery) ([]int64, error) {
	ret := q.s.retention.Milliseconds()
	res, err := q.ahead(ctx, d.ID, addScript, q.cidKeys(d.CID), d.Seq, encodeDelivery(d), ret, d.State,
		d.Reply.Offset, d.Reply.Prev).Int64Slice()
	if err == nil && len(res) != 2 {
		err = errors.New("redisstore: add script answered " + strconv.Itoa(len(res)) + " values")
	}
	return res, wrap(err)
}

// Save implements callback.Queue.
func (q *Queue) Save(ctx context.Context, d callback.Delivery) error {
	keys, pending := q.cidKeys(d.CID), d.State == callback.Pending
	var cmd *redis.Cmd
	if pending { // it may be unscheduled (a replay): marked for the sweeper first
		cmd = q.ahead(ctx, d.ID, saveScript, keys, d.Seq, encodeDelivery(d), d.State)
	} else {
		cmd = saveScript.Run(ctx, q.s.rdb, keys, d.Seq, encodeDelivery(d), d.State)
	}
	next, err := cmd.Text()
	if err != nil {
		return wrap(err)
	}
	pipe := q.s.rdb.Pipeline()
	if pending {
		pipe.ZAdd(ctx, q.qkey("delayed"), redis.Z{Score: float64(d.NextAttemptAt.UnixMilli()), Member: d.ID})
		pipe.ZRem(ctx, q.qkey("sweep"), d.ID)
	}
	if next != "" { // NX: never pull a waiting retry forward
		pipe.ZAddNX(ctx, q.qkey("delayed"), redis.Z{Score: float64(time.Now().UnixMilli()), Member: d.CID + "." + next})
	}
	q.markState(ctx, pipe, d)
	q.ackLocked(ctx, pipe, d.ID)
	_, err = pipe.Exec(ctx)
	return wrap(err)
}

// ackLocked queues the XACK and XDEL of a leased delivery's stream entry.
func (q *Queue) ackLocked(ctx context.Context, pipe redis.Pipeliner, id string) {
	q.mu.Lock()
	entry, ok := q.entries[id]
	delete(q.entries, id)
	q.mu.Unlock()
	if ok {
		pipe.XAck(ctx, q.qkey("ready"), groupName, entry)
		pipe.XDel(ctx, q.qkey("ready"), entry)
	}
}

// Get implements callback.Queue.
func (q *Queue) Get(ctx context.Context, id string) (callback.Delivery, error) {
	cid, seq, ok := splitID(id)
	if !ok {
		return callback.Delivery{}, hub.Errorf(hub.ErrNotFound, "delivery %s not found", id)
	}
	s, err := q.s.rdb.HGet(ctx, q.s.key("dlv", cid), strconv.Itoa(seq)).Result()
	if errors.Is(err, redis.Nil) {
		return callback.Delivery{}, hub.Errorf(hub.ErrNotFound, "delivery %s not found", id)
	}
	if err != nil {
		return callback.Delivery{}, wrap(err)
	}
	return decodeDelivery(s)
}

// ForCID implements callback.Queue.
func (q *Queue) ForCID(ctx context.Context, cid string) ([]callback.Delivery, error) {
	vals, err := q.s.rdb.HVals(ctx, q.s.key("dlv", cid)).Result()
	if err != nil {
		return nil, wrap(err)
	}
	out := make([]callback.Delivery, 0, len(vals))
	for _, v := range vals {
		if d, err := decodeDelivery(v); err == nil {
			out = append(out, d)
		}
	}
	sortBySeq(out)
	return out, nil
}

func sortBySeq(ds []callback.Delivery) {
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && ds[j].Seq < ds[j-1].Seq; j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
}
