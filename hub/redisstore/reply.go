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

// appendScript stores and publishes one reply in one round trip: dedupe by
// seq, refusal after the isEnd reply, the offset, the stream entry, the
// record's state, and the PUBLISH on the cid's channel. The hub sends the
// reply's frame in three parts (hub.Reply.FrameParts) and the script puts
// in the seq and the offset, which only it knows, so nothing is encoded
// twice. The stream entry holds the broker message itself: header "h"
// and frame "f".
//
// The offset is "<ms>-<n>" from the hub's clock, kept increasing within
// the cid. Only a seq at or below the highest stored one can be a
// duplicate, so the record's s<seq> field is read only then: a new seq,
// the usual case, would have Redis search the whole record for a field
// that is not there (a record is a listpack, searched field by field,
// until it holds 128 fields). Records made by an older callhub (no "v"
// field) keep seqs in their own hash and get their expiry on every reply,
// as they did.
//
// Redis gives a new stream a node of stream-node-max-bytes (4 KiB by
// default) and fills it as entries come; a cid's stream holds a few
// replies, so most of that would stay empty for the whole retention.
// The isEnd reply, after which nothing is appended, rewrites the stream
// to its size (DUMP and RESTORE, with its expiry): a retained one-reply
// cid then holds ~800 bytes of stream instead of ~4,800.
//
// KEYS: req, replies, rseq (older records). ARGV: seq (0: next), isEnd
// ("0"/"1"), at (unix ms), head, mid, tail, cid channel, cid, the highest
// seq, the publish command (PUBLISH, or SPUBLISH on a Cluster with sharded
// pub/sub: the cid channel carries the hash tag {cid}, so it is in the
// keys' slot, as SPUBLISH inside a script requires; "" to publish nothing,
// with WaitReplicas, see AppendReply), and the traceparent
// the reply joins ("" for its request's, the record's "tp"), which goes
// into the broker message's header, and the state an isEnd reply leaves.
// A cid with a heartbeat ("hb") gets its sign of life ("sign") and loses
// its stall ("stalled").
// It answers {"ok", offset, seq, prev, caller, callback, legacy, tp, the
// reply's traceparent, "1" if it ended a stall, hb}, {"dup", offset,
// caller, callback, header, frame, legacy, tp}, {"ended", state},
// {"seqlimit"} or {"notfound"}.
var appendScript = redis.NewScript(`
local seq = tonumber(ARGV[1])
local f = redis.call('HMGET', KEYS[1], 'caller', 'ended', 'maxSeq', 'lastOffset', 'callback', 'v', 'legacy', 'tp', 'state', 'hb', 'stalled')
if not f[1] then return {'notfound'} end
local v2 = f[6] == '2'
local maxSeq = tonumber(f[3] or '0')
local old = false
if not v2 and seq > 0 then old = redis.call('HGET', KEYS[3], tostring(seq))
elseif seq > 0 and seq <= maxSeq then old = redis.call('HGET', KEYS[1], 's' .. seq) end
if old then
  local e = redis.call('XRANGE', KEYS[2], old, old)[1]
  local h, fr = '', ''
  if e then
    for i = 1, #e[2], 2 do
      if e[2][i] == 'h' then h = e[2][i+1] elseif e[2][i] == 'f' then fr = e[2][i+1] end
    end
  end
  if h ~= '' and ARGV[10] ~= '' then redis.call(ARGV[10], ARGV[7], h .. '\n' .. fr) end
  return {'dup', old, f[1], f[5] or '', h, fr, f[7] or '', f[8] or ''}
end
if f[2] == '1' then return {'ended', f[9] or ''} end
if seq == 0 then seq = maxSeq + 1 end
if seq > tonumber(ARGV[9]) then return {'seqlimit'} end
if seq > maxSeq then maxSeq = seq end
local prev = f[4] or ''
local ms, n = tonumber(ARGV[3]), 0
if prev ~= '' then
  local pms, pn = string.match(prev, '^(%d+)-(%d+)$')
  pms, pn = tonumber(pms), tonumber(pn)
  if ms <= pms then ms, n = pms, pn + 1 end
end
local id = string.format('%d-%d', ms, n)
local sseq = string.format('%d', seq)
local frame = ARGV[4] .. sseq .. ARGV[5] .. id .. ARGV[6]
local tp = ARGV[11]
if tp == '' then tp = f[8] or '' end
local hdr = ARGV[8] .. ' ' .. sseq .. ' ' .. ARGV[2] .. ' ' .. id .. ' ' .. prev .. ' ' .. tp .. ' ' .. f[1]
redis.call('XADD', KEYS[2], id, 'h', hdr, 'f', frame)
local state = 'replied'
if ARGV[2] == '1' then state = ARGV[12] end
local resumed = ''
if f[10] then
  redis.call('HSET', KEYS[1], 'sign', ARGV[3])
  if f[11] then redis.call('HDEL', KEYS[1], 'stalled') resumed = '1' end
end
redis.call('HSET', KEYS[1], 'lastOffset', id, 'state', state, 'ended', ARGV[2], 'maxSeq', string.format('%d', maxSeq), 's' .. sseq, id)
if not v2 then redis.call('HSET', KEYS[3], sseq, id) end
if prev == '' or not v2 or ARGV[2] == '1' then
  local ttl = redis.call('PTTL', KEYS[1])
  if ARGV[2] == '1' then
    redis.call('RESTORE', KEYS[2], math.max(ttl, 0), redis.call('DUMP', KEYS[2]), 'REPLACE')
  elseif ttl > 0 then
    redis.call('PEXPIRE', KEYS[2], ttl)
  end
  if not v2 and ttl > 0 then redis.call('PEXPIRE', KEYS[3], ttl) end
end
if ARGV[10] ~= '' then redis.call(ARGV[10], ARGV[7], hdr .. '\n' .. frame) end
return {'ok', id, sseq, prev, f[1], f[5] or '', f[7] or '', f[8] or '', tp, resumed, f[10] or ''}`)

// AppendReply implements hub.Store: one script call stores the reply and
// publishes it on the cid's channel; the caller's channel gets it too,
// in a second call, only while some instance follows that caller.
//
// With WaitReplicas the script publishes nothing: a reply WAIT does not
// confirm is answered 503 and must reach no subscriber (the service's
// retry may store it again, under another offset, on a promoted
// replica). The hub publishes it once AppendReply returned, confirmed.
func (s *Store) AppendReply(ctx context.Context, r hub.Reply) (hub.Appended, error) {
	publish := s.publish
	if s.wait.replicas > 0 {
		publish = ""
	}
	end := "0"
	if r.IsEnd {
		end = "1"
	}
	r.At = time.UnixMilli(time.Now().UnixMilli()).UTC()
	head, mid, tail := r.FrameParts()
	keys := []string{s.key("req", r.CID), s.key("replies", r.CID), s.key("rseq", r.CID)}
	res, err := s.eval(ctx, appendScript, keys, r.Seq, end, r.At.UnixMilli(), head, mid, tail,
		s.broker.channel("cid:"+r.CID), r.CID, hub.MaxSeq, publish, r.TraceParent, hub.EndStateOf(r)).StringSlice()
	if err != nil {
		return hub.Appended{}, wrap(err)
	}
	switch res[0] {
	case "notfound":
		return hub.Appended{}, notFound(r.CID)
	case "ended":
		return hub.Appended{}, hub.Ended(r.CID, res[1])
	case "seqlimit":
		return hub.Appended{}, hub.SeqExhausted(r.CID)
	case "dup":
		a, err := s.duplicate(ctx, r.CID, res)
		a.Published = a.Published && publish != ""
		return a, err
	}
	r.Offset, r.Prev, r.Caller, r.TraceParent = res[1], res[3], res[4], res[8]
	r.Seq, _ = strconv.Atoi(res[2])
	r.EndState = ""
	a := hub.Appended{Reply: r, Record: s.appendedRecord(r.CID, res[4], res[5], res[6], res[7]), Published: publish != "",
		Resumed: res[9] == "1"}
	a.Record.HeartbeatMs, _ = strconv.ParseInt(res[10], 10, 64)
	if a.Published && s.broker.followed(r.Caller) {
		msg := hub.MessageHeader(r.CID, res[2], r.IsEnd, r.Offset, r.Prev, r.TraceParent, r.Caller) + "\n" +
			string(head) + res[2] + string(mid) + r.Offset + string(tail)
		if err := s.broker.Publish(ctx, "caller:"+r.Caller, []byte(msg)); err != nil {
			return a, err // stored: the service's retry publishes again (dup)
		}
	}
	return a, nil
}

// duplicate answers a seq stored before, from the script's "dup" answer.
func (s *Store) duplicate(ctx context.Context, cid string, res []string) (hub.Appended, error) {
	offset, caller, callback, hdr, frame := res[1], res[2], res[3], res[4], res[5]
	a := hub.Appended{Dup: true, Record: s.appendedRecord(cid, caller, callback, res[6], res[7])}
	var err error
	if hdr != "" {
		a.Reply, err = hub.ParseMessage([]byte(hdr + "\n" + frame))
		a.Published = err == nil && !s.broker.followed(caller)
	} else { // stored by an older callhub: the hub publishes it
		a.Reply, err = s.replyAt(ctx, cid, offset)
	}
	a.Reply.Caller = caller
	return a, err
}

// appendedRecord is the part of the record the append script answers.
func (s *Store) appendedRecord(cid, caller, callback, legacy, traceParent string) hub.Record {
	rec := hub.Record{CID: cid, Caller: caller, Legacy: legacy == "1", TraceParent: traceParent}
	if callback != "" {
		rec.Callback = new(hub.Callback)
		_ = json.Unmarshal([]byte(callback), rec.Callback)
	}
	return rec
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
	switch {
	case lastID(after):
		// Nothing follows it, and Redis refuses a range after it.
	case limit > 0:
		rng = pipe.XRangeN(ctx, s.key("replies", cid), start, "+", int64(limit))
	default:
		rng = pipe.XRange(ctx, s.key("replies", cid), start, "+")
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap(err)
	}
	if exists.Val() == 0 {
		return nil, notFound(cid)
	}
	var msgs []redis.XMessage
	if rng != nil {
		msgs = rng.Val()
	}
	return parseReplies(cid, "", msgs), nil
}

// maxID is the largest stream id there is.
const maxID = "18446744073709551615-18446744073709551615"

// lastID reports whether id is the largest stream id there is, however
// it is written.
func lastID(id string) bool { return hub.ValidOffset(id) && !hub.OffsetLess(id, maxID) }

func parseReplies(cid, caller string, msgs []redis.XMessage) []hub.Reply {
	out := make([]hub.Reply, 0, len(msgs))
	for _, m := range msgs {
		r := parseReply(cid, m)
		if caller != "" {
			r.Caller = caller
		}
		out = append(out, r)
	}
	return out
}

// parseReply reads a stream entry: a broker message ("h" and "f"), or the
// fields an older callhub stored.
func parseReply(cid string, m redis.XMessage) hub.Reply {
	str := func(k string) string { v, _ := m.Values[k].(string); return v }
	if h := str("h"); h != "" {
		if r, err := hub.ParseMessage([]byte(h + "\n" + str("f"))); err == nil {
			return r
		}
	}
	var r hub.Reply
	_ = json.Unmarshal([]byte(str("r")), &r)
	r.Seq, _ = strconv.Atoi(str("seq"))
	ms, _ := strconv.ParseInt(str("at"), 10, 64)
	r.CID, r.IsEnd, r.Offset, r.At, r.Prev = cid, str("end") == "1", m.ID, time.UnixMilli(ms).UTC(), str("prev")
	return r
}
