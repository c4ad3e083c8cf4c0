package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/redis/go-redis/v9"
)

// appendScript appends a reply atomically: dedupe by seq, refuse after the
// isEnd reply, assign the offset (the stream id), update the record.
// It answers {"ok", offset, seq, prev, caller}, {"dup", offset, caller},
// {"ended"}, {"notfound"} or {"noseq"} (no seq after ARGV[5] to give).
var appendScript = redis.NewScript(`
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 then return {'notfound'} end
local seq = tonumber(ARGV[1])
if seq == 0 then seq = tonumber(redis.call('HGET', KEYS[1], 'maxSeq') or '0') + 1 end
if seq > tonumber(ARGV[5]) then return {'noseq'} end
local old = redis.call('HGET', KEYS[2], tostring(seq))
if old then return {'dup', old, redis.call('HGET', KEYS[1], 'caller') or ''} end
if redis.call('HGET', KEYS[1], 'ended') == '1' then return {'ended'} end
local prev = redis.call('HGET', KEYS[1], 'lastOffset') or ''
local id = redis.call('XADD', KEYS[3], '*', 'seq', seq, 'end', ARGV[3], 'prev', prev, 'at', ARGV[4], 'r', ARGV[2])
redis.call('HSET', KEYS[2], tostring(seq), id)
local maxSeq = tonumber(redis.call('HGET', KEYS[1], 'maxSeq') or '0')
if seq > maxSeq then maxSeq = seq end
local state = 'replied'
if ARGV[3] == '1' then state = 'completed' end
redis.call('HSET', KEYS[1], 'lastOffset', id, 'state', state, 'ended', ARGV[3], 'maxSeq', maxSeq)
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[2], ttl)
  redis.call('PEXPIRE', KEYS[3], ttl)
end
return {'ok', id, tostring(seq), prev, redis.call('HGET', KEYS[1], 'caller')}`)

// AppendReply implements hub.Store.
func (s *Store) AppendReply(ctx context.Context, r hub.Reply) (hub.Reply, bool, error) {
	body, _ := json.Marshal(r) // the stream entry's "r": the reply's JSON form
	end := "0"
	if r.IsEnd {
		end = "1"
	}
	at := time.Now().UTC()
	keys := []string{s.key("req", r.CID), s.key("rseq", r.CID), s.key("replies", r.CID)}
	res, err := appendScript.Run(ctx, s.rdb, keys, r.Seq, body, end, at.UnixMilli(), hub.MaxSeq).StringSlice()
	if err != nil {
		return hub.Reply{}, false, wrap(err)
	}
	switch res[0] {
	case "notfound":
		return hub.Reply{}, false, notFound(r.CID)
	case "noseq":
		return hub.Reply{}, false, hub.SeqExhausted(r.CID)
	case "ended":
		return hub.Reply{}, false, hub.Errorf(hub.ErrConflict, "cid %s is completed: no reply after the isEnd reply", r.CID)
	case "dup":
		stored, err := s.replyAt(ctx, r.CID, res[1])
		stored.Caller = res[2]
		return stored, true, err
	}
	r.Offset, r.Prev, r.Caller, r.At = res[1], res[3], res[4], time.UnixMilli(at.UnixMilli()).UTC()
	r.Seq, _ = strconv.Atoi(res[2])
	return r, false, nil
}

func (s *Store) replyAt(ctx context.Context, cid, offset string) (hub.Reply, error) {
	msgs, err := s.rdb.XRange(ctx, s.key("replies", cid), offset, offset).Result()
	if err != nil {
		return hub.Reply{}, wrap(err)
	}
	rs := parseReplies(cid, "", msgs)
	if len(rs) == 0 {
		return hub.Reply{}, notFound(cid)
	}
	return rs[0], nil
}

// Replies implements hub.Store.
func (s *Store) Replies(ctx context.Context, cid, after string, limit int) ([]hub.Reply, error) {
	start := "-"
	if after != "" {
		start = "(" + after
	}
	pipe := s.rdb.Pipeline()
	exists := pipe.Exists(ctx, s.key("req", cid))
	var rng *redis.XMessageSliceCmd
	if limit > 0 {
		rng = pipe.XRangeN(ctx, s.key("replies", cid), start, "+", int64(limit))
	} else {
		rng = pipe.XRange(ctx, s.key("replies", cid), start, "+")
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap(err)
	}
	if exists.Val() == 0 {
		return nil, notFound(cid)
	}
	return parseReplies(cid, "", rng.Val()), nil
}

func parseReplies(cid, caller string, msgs []redis.XMessage) []hub.Reply {
	out := make([]hub.Reply, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, parseReply(cid, caller, m))
	}
	return out
}

func parseReply(cid, caller string, m redis.XMessage) hub.Reply {
	str := func(k string) string { v, _ := m.Values[k].(string); return v }
	var r hub.Reply
	_ = json.Unmarshal([]byte(str("r")), &r)
	// The entry's own fields are authoritative: the script assigned them.
	r.Seq, _ = strconv.Atoi(str("seq"))
	ms, _ := strconv.ParseInt(str("at"), 10, 64)
	r.CID, r.IsEnd, r.Offset, r.At, r.Caller, r.Prev = cid, str("end") == "1", m.ID, time.UnixMilli(ms).UTC(), caller, str("prev")
	return r
}
