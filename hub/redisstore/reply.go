package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/redis/go-redis/v9"
)

// appendScript stores and publishes one reply in one round trip; see
// lua/append.lua.
var appendScript = luaScript("append.lua")

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
	head, mid, tail, ok := r.FrameParts()
	if !ok {
		return hub.Appended{}, hub.Invalid("data", "must be JSON")
	}
	c := &appendCall{seq: r.Seq, end: end, at: r.At.UnixMilli(), head: head, mid: mid, tail: tail,
		publish: publish, tp: r.TraceParent, endState: hub.EndStateOf(r)}
	s.cidKeys(c.keys[:], r.CID, "req", "replies", "rseq")
	buf := s.broker.appendCIDChannel(make([]byte, 0, 2*len(s.broker.prefix)+3*len(r.CID)+32), r.CID)
	c.channel = buf
	c.template = hub.AppendMessageTemplate(buf[len(buf):], r.CID, r.IsEnd)
	res, err := s.eval(ctx, appendScript, c.keys[:], &c.seq, &c.end, &c.at, &c.head, &c.mid, &c.tail,
		&c.channel, &c.template, hub.MaxSeq, &c.publish, &c.tp, &c.endState).Result()
	if err != nil {
		return hub.Appended{}, wrap(err)
	}
	if answer, ok := res.(string); ok {
		return s.appended(ctx, r, answer, publish != "")
	}
	list, err := stringSlice(res)
	if err != nil {
		return hub.Appended{}, err
	}
	switch list[0] {
	case "notfound":
		return hub.Appended{}, notFound(r.CID)
	case "ended":
		if len(list) == 2 {
			return hub.Appended{}, hub.Ended(r.CID, list[1])
		}
	case "seqlimit":
		return hub.Appended{}, hub.SeqExhausted(r.CID)
	case "dup":
		if len(list) == 8 {
			a, err := s.duplicate(ctx, r.CID, list)
			a.Published = a.Published && publish != ""
			return a, err
		}
	}
	return hub.Appended{}, badAnswer(res)
}

// appendCall is one run of the append script: its keys and arguments,
// in one allocation. go-redis is handed pointers to the arguments, which
// it writes as it writes values (bytes through MarshalBinary): a value
// would be copied into an interface of its own, an allocation each, and
// every reply comes this way.
type appendCall struct {
	keys                       [3]string
	seq                        int
	at                         int64
	end, publish, tp, endState string
	head, mid, tail            binaryArg
	channel, template          binaryArg
}

// binaryArg is a command argument go-redis writes as it is, from a
// pointer.
type binaryArg []byte

func (b *binaryArg) MarshalBinary() ([]byte, error) { return *b, nil }

// appended answers a stored reply r from the append script's "ok"
// answer (see parseAppended); published tells whether the script
// published it.
func (s *Store) appended(ctx context.Context, r hub.Reply, answer string, published bool) (hub.Appended, error) {
	ans, ok := parseAppended(answer)
	if !ok {
		return hub.Appended{}, badAnswer(answer)
	}
	seq, err := strconv.Atoi(ans.seq)
	if err != nil {
		return hub.Appended{}, badAnswer(answer)
	}
	r.Offset, r.Prev, r.Caller, r.Seq = ans.offset, ans.prev, ans.caller, seq
	if r.TraceParent == "" { // the reply joins its request's trace
		r.TraceParent = ans.traceParent
	}
	r.EndState = ""
	a := hub.Appended{Reply: r, Record: s.appendedRecord(r.CID, ans.caller, ans.callback, ans.legacy, ans.traceParent),
		Published: published, Resumed: ans.resumed == "1"}
	a.Record.HeartbeatMs = heartbeat(ans.hb)
	if a.Published && s.broker.followed(r.Caller) {
		if err := s.broker.Publish(ctx, "caller:"+r.Caller, r.Message()); err != nil {
			return a, err // stored: the service's retry publishes again (dup)
		}
	}
	return a, nil
}

// appendAnswer is the append script's answer for a stored reply: the
// reply's offset, seq and prev, whether it ended a stall, and the
// record's fields the hub needs to go on.
type appendAnswer struct {
	offset, seq, prev, legacy, resumed, hb string
	caller, traceParent, callback          string
}

// parseAppended reads the append script's "ok" answer, "ok <offset>
// <seq> <prev> <legacy> <resumed> <hb> <#caller> <#tp> " and then caller,
// tp and callback unseparated (see lua/append.lua). The fields are
// substrings of answer: one string read from Redis, none per field.
func parseAppended(answer string) (appendAnswer, bool) {
	rest, ok := strings.CutPrefix(answer, "ok ")
	if !ok {
		return appendAnswer{}, false
	}
	var f [8]string
	for i := range f {
		if f[i], rest, ok = strings.Cut(rest, " "); !ok {
			return appendAnswer{}, false
		}
	}
	nc, errC := strconv.Atoi(f[6])
	nt, errT := strconv.Atoi(f[7])
	if errC != nil || errT != nil || nc < 0 || nt < 0 || nc+nt > len(rest) {
		return appendAnswer{}, false
	}
	return appendAnswer{offset: f[0], seq: f[1], prev: f[2], legacy: f[3], resumed: f[4], hb: f[5],
		caller: rest[:nc], traceParent: rest[nc : nc+nt], callback: rest[nc+nt:]}, true
}

// stringSlice is a script's answer read as a table of strings, as
// go-redis's Cmd.StringSlice does.
func stringSlice(res any) ([]string, error) {
	list, ok := res.([]any)
	if !ok || len(list) == 0 {
		return nil, badAnswer(res)
	}
	out := make([]string, len(list))
	for i, v := range list {
		if out[i], ok = v.(string); !ok {
			return nil, badAnswer(res)
		}
	}
	return out, nil
}

// badAnswer is the error of a script answer this callhub cannot read.
func badAnswer(res any) error {
	return fmt.Errorf("redisstore: unexpected append script answer %q", fmt.Sprint(res)) // cannot happen: the script is this callhub's
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
