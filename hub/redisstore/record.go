package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/redis/go-redis/v9"
)

// createScript stores a record unless its cid exists; it answers the
// existing record's fields, or nil when it created it.
var createScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HGETALL', KEYS[1]) end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return false`)

// CreateRequest implements hub.Store.
func (s *Store) CreateRequest(ctx context.Context, rec hub.Record) (hub.Record, bool, error) {
	args := append([]any{s.retention.Milliseconds()}, recordFields(rec)...)
	res, err := s.eval(ctx, createScript, []string{s.key("req", rec.CID)}, args...).StringSlice()
	if errors.Is(err, redis.Nil) {
		return rec, true, s.index(ctx, rec)
	}
	if err != nil {
		return hub.Record{}, false, wrap(err)
	}
	return parseRecord(rec.CID, pairs(res)), false, nil
}

// recordFields is a new record's fields and values, in the order HSET
// writes them. A record is a listpack, searched field by field: the
// fields the append script reads on every reply (lua/append.lua's HMGET)
// come first, and are always there, empty when unset, because looking
// for a field that is not there reads the whole record, s<seq> fields
// included.
func recordFields(rec hub.Record) []any { return appendRecordFields(nil, rec) }

// recordFieldsLen is how many values appendRecordFields appends at most.
const recordFieldsLen = 30

// appendRecordFields appends recordFields(rec) to args.
func appendRecordFields(args []any, rec hub.Record) []any {
	var callback, legacy, hb string
	if rec.Callback != nil {
		b, _ := json.Marshal(rec.Callback)
		callback = string(b)
	}
	if rec.Legacy {
		legacy = "1"
	}
	if rec.HeartbeatMs > 0 {
		hb = strconv.FormatInt(rec.HeartbeatMs, 10)
	}
	// No "cid": the key names it (records of an older callhub hold it).
	f := append(args, "caller", rec.Caller, "ended", "0", "maxSeq", "0", "lastOffset", "",
		"callback", callback,
		"v", "2", // layout 2: seqs in the record, not in rseq; expiry set once (see lua/append.lua)
		"legacy", legacy, "tp", rec.TraceParent, "state", rec.State, "hb", hb,
		"serviceId", rec.ServiceID, "createdAt", strconv.FormatInt(rec.CreatedAt.UnixMilli(), 10))
	if rec.Mode != "" {
		f = append(f, "mode", rec.Mode)
	}
	if rec.DeadlineAt != nil {
		f = append(f, "deadline", ms(*rec.DeadlineAt))
	}
	if rec.HeartbeatMs > 0 { // the last sign of life (see lifecycle.go)
		f = append(f, "sign", ms(rec.CreatedAt))
	}
	return f
}

func pairs(kv []string) map[string]string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// parseRecord reads the record of cid from its fields.
func parseRecord(cid string, f map[string]string) hub.Record {
	ms, _ := strconv.ParseInt(f["createdAt"], 10, 64)
	rec := hub.Record{CID: cid, ServiceID: f["serviceId"], Caller: f["caller"],
		State: f["state"], Mode: f["mode"], CreatedAt: time.UnixMilli(ms).UTC(), Legacy: f["legacy"] == "1",
		TraceParent: f["tp"]}
	if cb := f["callback"]; cb != "" {
		rec.Callback = new(hub.Callback)
		_ = json.Unmarshal([]byte(cb), rec.Callback)
	}
	rec.DeadlineAt, rec.StalledSince = msTime(f["deadline"]), msTime(f["stalled"])
	rec.HeartbeatMs = heartbeat(f["hb"])
	return rec
}

// heartbeat reads a record's "hb": 0 for "", a record without one. An
// empty field is most records' (recordFields), so it is not parsed: a
// failed ParseInt allocates its error, on every reply.
func heartbeat(s string) int64 {
	if s == "" {
		return 0
	}
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// msTime reads a time stored as unix ms; nil for "".
func msTime(s string) *time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil
	}
	t := time.UnixMilli(n).UTC()
	return &t
}

// beginScript reserves a step unless it exists; it answers {"ok"},
// {"exists", step} or {"notfound"}.
var beginScript = redis.NewScript(`
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 then return {'notfound'} end
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then
  return {'exists', redis.call('HGET', KEYS[2], ARGV[1])}
end
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return {'ok'}`)

// BeginStep implements hub.Store.
func (s *Store) BeginStep(ctx context.Context, cid string, st hub.Step) (hub.Step, bool, error) {
	b := encodeStep(st)
	keys := []string{s.key("req", cid), s.key("steps", cid)}
	res, err := s.eval(ctx, beginScript, keys, st.Seq, b).StringSlice()
	if err != nil {
		return hub.Step{}, false, wrap(err)
	}
	switch res[0] {
	case "notfound":
		return hub.Step{}, false, notFound(cid)
	case "exists":
		var old hub.Step
		err := json.Unmarshal([]byte(res[1]), &old)
		return old, false, err
	}
	return st, true, nil
}

// FinishStep implements hub.Store.
func (s *Store) FinishStep(ctx context.Context, cid string, st hub.Step) error {
	b := encodeStep(st)
	key := s.key("steps", cid)
	if s.wait.replicas == 0 { // one command: it shares the autopipeliner's round trips (doc.go)
		return wrap(s.batched.HSet(ctx, key, strconv.Itoa(st.Seq), b).Err())
	}
	return wrap(s.write(ctx, key, func(p redis.Pipeliner) { p.HSet(ctx, key, strconv.Itoa(st.Seq), b) }))
}

// SetState implements hub.Store.
func (s *Store) SetState(ctx context.Context, cid, state string) error {
	n, err := s.rdb.Exists(ctx, s.key("req", cid)).Result()
	if err != nil {
		return wrap(err)
	}
	if n == 0 {
		return notFound(cid)
	}
	return wrap(s.rdb.HSet(ctx, s.key("req", cid), "state", state).Err())
}

// Lookup implements hub.Store.
func (s *Store) Lookup(ctx context.Context, cid string) (hub.Record, error) {
	f, err := s.rdb.HGetAll(ctx, s.key("req", cid)).Result()
	if err != nil {
		return hub.Record{}, wrap(err)
	}
	if len(f) == 0 {
		return hub.Record{}, notFound(cid)
	}
	return parseRecord(cid, f), nil
}

// Get implements hub.Store.
func (s *Store) Get(ctx context.Context, cid string) (*hub.Record, error) {
	pipe := s.rdb.Pipeline()
	recCmd := pipe.HGetAll(ctx, s.key("req", cid))
	stepsCmd := pipe.HVals(ctx, s.key("steps", cid))
	repCmd := pipe.XRange(ctx, s.key("replies", cid), "-", "+")
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap(err)
	}
	if len(recCmd.Val()) == 0 {
		return nil, notFound(cid)
	}
	rec := parseRecord(cid, recCmd.Val())
	rec.Steps = make([]hub.Step, 0, len(stepsCmd.Val()))
	for _, v := range stepsCmd.Val() {
		var st hub.Step
		if json.Unmarshal([]byte(v), &st) == nil {
			rec.Steps = append(rec.Steps, st)
		}
	}
	sort.Slice(rec.Steps, func(i, j int) bool { return rec.Steps[i].Seq < rec.Steps[j].Seq })
	rec.Replies = parseReplies(cid, rec.Caller, repCmd.Val())
	hub.MarkAcked(rec.Replies, parseAcks(recCmd.Val()["acks"]))
	return &rec, nil
}
