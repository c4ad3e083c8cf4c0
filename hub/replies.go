package hub

import (
	"context"
	"encoding/json"
	"fmt"
)

// PostReply stores a service's reply for cid, publishes it to subscribers
// on every instance and queues its callback. It returns once the reply is
// stored; dup reports that this seq was stored before (nothing is published
// twice).
func (h *Hub) PostReply(ctx context.Context, cid string, in ReplyInput) (Reply, bool, error) {
	if in.Seq < 0 || in.Seq > maxSeq {
		return Reply{}, false, Invalid("seq", "must be from 1 to %d", maxSeq)
	}
	if len(in.Data) > 0 && !json.Valid(in.Data) {
		return Reply{}, false, Invalid("data", "must be JSON")
	}
	r := Reply{CID: cid, Seq: in.Seq, IsEnd: in.IsEnd == nil || *in.IsEnd,
		Code: in.Code, Msg: in.Msg, Data: in.Data, File: in.File}
	stored, dup, err := h.store.AppendReply(ctx, r)
	if err != nil {
		return Reply{}, false, err
	}
	// A duplicate is published again: the first publish may have been
	// lost with a crashed instance, and subscribers drop what they have.
	h.publish(ctx, stored)
	if err := h.enqueue(ctx, stored); err != nil {
		// Stored but not queued: the service's retry queues it (dup path).
		return Reply{}, false, err
	}
	return stored, dup, nil
}

// publish fans a stored reply out. A lost message is recovered by
// subscribers from the store, so a failure here is only logged.
func (h *Hub) publish(ctx context.Context, r Reply) {
	msg, err := json.Marshal(r)
	if err != nil {
		h.logger.Error("encode reply", "cid", r.CID, "err", err)
		return
	}
	ctx = context.WithoutCancel(ctx)
	for _, topic := range []string{cidTopic(r.CID), callerTopic(r.Caller)} {
		if err := h.cfg.Broker.Publish(ctx, topic, msg); err != nil {
			h.logger.Warn("publish reply", "cid", r.CID, "topic", topic, "err", err)
		}
	}
}

// enqueue hands the reply to the callback queue if its request named a
// callback.
func (h *Hub) enqueue(ctx context.Context, r Reply) error {
	if h.cfg.Deliveries == nil {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	rec, err := h.store.Lookup(ctx, r.CID)
	if err != nil || rec.Callback == nil {
		return err
	}
	if err := h.cfg.Deliveries.Enqueue(ctx, rec, r); err != nil {
		return fmt.Errorf("queue callback %s.%d: %w", r.CID, r.Seq, err)
	}
	return nil
}

// Record returns everything stored about cid, with its deliveries.
func (h *Hub) Record(ctx context.Context, cid string) (*Record, error) {
	rec, err := h.store.Get(ctx, cid)
	if err != nil {
		return nil, err
	}
	rec.Deliveries = []DeliveryStatus{}
	if h.cfg.Deliveries != nil {
		if rec.Deliveries, err = h.cfg.Deliveries.Status(ctx, cid); err != nil {
			return nil, err
		}
	}
	return rec, nil
}
