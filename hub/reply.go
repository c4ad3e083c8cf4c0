package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Reply is one answer a service posted for a cid, declared once: its JSON
// form (these tags) is what the record lists and the Store keeps; Frame is
// the same with "type":"reply" first, what WebSocket and SSE subscribers
// receive; CallbackBody is the same with data and file always present,
// what a POST callback carries. Offset is assigned by the Store
// when the reply is appended; it increases within a cid.
type Reply struct {
	CID   string          `json:"cid"`
	Seq   int             `json:"seq"`
	IsEnd bool            `json:"isEnd"`
	Code  int             `json:"code"`
	Msg   string          `json:"msg"`
	Data  json.RawMessage `json:"data,omitempty"`
	File  *FileRef        `json:"file,omitempty"`
	// Origin is "hub" for a reply the hub stored itself, ending the cid
	// (a deadline, a cancel); "" for a service's.
	Origin string    `json:"origin,omitempty"`
	Offset string    `json:"offset"`
	At     time.Time `json:"at"`
	// AckedAt is when a subscriber first acknowledged the reply (see
	// receipt.go); only the record (Store.Get) fills it.
	AckedAt *time.Time `json:"ackedAt,omitempty"`

	// EndState is the record state an isEnd reply the hub stores leaves
	// (StateExpired, StateCanceled); "" is StateCompleted. Not stored with
	// the reply.
	EndState string `json:"-"`

	// Caller owns the cid; Prev is the offset of the reply before this one
	// ("" for the first). Both travel through the Broker beside the JSON
	// form, so a subscriber can route caller-wide subscriptions and notice
	// a gap; neither is part of the JSON form.
	Caller string `json:"-"`
	Prev   string `json:"-"`
	// TraceParent is the W3C trace the reply joins: the service's own, or
	// else its request's. It travels with the broker message, so the push
	// to subscribers on every instance joins the same trace.
	TraceParent string `json:"-"`

	frame []byte // Frame, when built once for every subscriber
}

// Frame returns the reply as subscribers receive it: its JSON form with
// "type":"reply" first. A reply that came through the broker carries its
// frame, built once for all the instance's subscribers; any other is
// encoded on each call.
func (r *Reply) Frame() []byte {
	if r.frame != nil {
		return r.frame
	}
	if f, ok := r.appendFrame(make([]byte, 0, r.jsonSize())); ok {
		return f
	}
	b, _ := json.Marshal(r) // fails as appendFrame did; never for a reply PostReply stored
	return frameOf(b)
}

// frameOf turns a reply's JSON form into its frame.
func frameOf(b []byte) []byte {
	f := make([]byte, 0, len(frameType)+len(b)-1)
	return append(append(f, frameType...), b[1:]...)
}

// frameType opens every frame.
const frameType = `{"type":"reply",`

// FileRef points at a stored file a reply carries.
type FileRef struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	URL    string `json:"url"`
}

// ReplyInput is what a service posts; Seq 0 means "the next one".
type ReplyInput struct {
	Seq   int             `json:"seq,omitempty"`
	IsEnd *bool           `json:"isEnd,omitempty"`
	Code  int             `json:"code,omitempty"`
	Msg   string          `json:"msg,omitempty"`
	Data  json.RawMessage `json:"data,omitempty"`
	File  *FileRef        `json:"file,omitempty"`
	// TraceParent is the traceparent the service sent with the reply, if
	// any (from its HTTP header, never from the body).
	TraceParent string `json:"-"`
}

// Offsets have the form "<ms>-<n>" (a Redis stream id). OffsetLess orders
// them; an empty or malformed offset sorts before every valid one.
func OffsetLess(a, b string) bool {
	am, an, aok := splitOffset(a)
	bm, bn, bok := splitOffset(b)
	switch {
	case aok != bok:
		return bok
	case am != bm:
		return am < bm
	}
	return an < bn
}

// ValidOffset reports whether s is "" or a well-formed offset.
func ValidOffset(s string) bool {
	if s == "" {
		return true
	}
	ms, n, ok := strings.Cut(s, "-")
	_, err1 := strconv.ParseUint(ms, 10, 64)
	_, err2 := strconv.ParseUint(n, 10, 64)
	return ok && err1 == nil && err2 == nil
}

// splitOffset returns an offset's two numbers; ok is false when its
// first is malformed.
func splitOffset(s string) (ms, n uint64, ok bool) {
	m, rest, _ := strings.Cut(s, "-")
	ms, err := strconv.ParseUint(m, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	n, _ = strconv.ParseUint(rest, 10, 64)
	return ms, n, true
}

// PostReply stores a service's reply for cid, publishes it to subscribers
// on every instance and queues its callback. It returns once the reply is
// stored; dup reports that this seq was stored before. A duplicate is
// answered with the stored reply and published again (its first publish
// may have died with an instance): per-cid subscribers drop what they
// have seen, caller-wide ones may see it twice. Its callback is queued
// again too; Deliveries.Enqueue keeps one per seq.
func (h *Hub) PostReply(ctx context.Context, cid string, in ReplyInput) (_ Reply, _ bool, err error) {
	if in.Seq < 0 || in.Seq > maxSeq {
		return Reply{}, false, Invalid("seq", "must be from 1 to %d", maxSeq)
	}
	if len(in.Data) > 0 && !json.Valid(in.Data) {
		return Reply{}, false, Invalid("data", "must be JSON")
	}
	r := Reply{CID: cid, Seq: in.Seq, IsEnd: in.IsEnd == nil || *in.IsEnd,
		Code: in.Code, Msg: in.Msg, Data: in.Data, File: in.File}
	if validTraceParent(in.TraceParent) { // else ignored, as W3C says
		r.TraceParent = in.TraceParent
	}
	start := time.Now()
	a, err := h.store.AppendReply(ctx, r)
	if err != nil {
		return Reply{}, false, err
	}
	if a.Dup && a.Reply.Origin == "hub" { // the seq the hub's terminal reply took: not the service's
		return Reply{}, false, Ended(cid, hubEndState(a.Reply.Code))
	}
	if !a.Dup {
		h.obs.ReplyStored()
	}
	if a.Resumed {
		h.resumed(ctx, cid, a.Record.Caller, a.Record.HeartbeatMs)
	}
	// The reply joins the service's trace, else its request's; its
	// callback joins the reply's span.
	ctx, tp, end := h.tracer.Start(ctx, "reply", a.Reply.TraceParent, start)
	defer func() { end(err) }()
	a.Record.TraceParent = tp
	// A duplicate is published again: the first publish may have been
	// lost with a crashed instance, and subscribers drop what they have.
	if !a.Published {
		h.publish(ctx, a.Reply)
	}
	if err = h.queueCallback(ctx, a); err != nil {
		// Stored but not queued: the service's retry queues it (dup path).
		return Reply{}, false, err
	}
	return a.Reply, a.Dup, nil
}

// publish fans a stored reply out. A lost message is recovered by
// subscribers from the store, so a failure here is only logged.
func (h *Hub) publish(ctx context.Context, r Reply) {
	topics := replyTopics(r.CID, r.Caller)
	if h.unheard(topics) {
		return
	}
	h.fanOut(ctx, r.CID, topics, r.message(), "publish reply")
}

// replyTopics are the topics a message of cid goes out on: the cid's and
// its caller's.
func replyTopics(cid, caller string) [2]string { return [2]string{cidTopic(cid), callerTopic(caller)} }

// unheard reports whether the Broker knows that none of topics has a
// subscriber (see AudienceBroker): a message for them need not be built.
func (h *Hub) unheard(topics [2]string) bool {
	ab, ok := h.cfg.Broker.(AudienceBroker)
	return ok && !ab.Heard(topics[0]) && !ab.Heard(topics[1])
}

// fanOut publishes msg of cid on topics; what names it in the warning a
// failure is logged with.
func (h *Hub) fanOut(ctx context.Context, cid string, topics [2]string, msg []byte, what string) {
	ctx = context.WithoutCancel(ctx)
	for _, topic := range topics {
		if err := h.cfg.Broker.Publish(ctx, topic, msg); err != nil {
			h.logger.Warn(what, "cid", cid, "topic", topic, "err", err)
		}
	}
}

// queueCallback hands the reply to the callback queue if its request named a
// callback.
func (h *Hub) queueCallback(ctx context.Context, a Appended) error {
	if h.cfg.Deliveries == nil || a.Record.Callback == nil {
		return nil
	}
	r := a.Reply
	if err := h.cfg.Deliveries.Enqueue(context.WithoutCancel(ctx), a.Record, r); err != nil {
		return fmt.Errorf("queue callback %s.%d: %w", r.CID, r.Seq, err)
	}
	return nil
}
