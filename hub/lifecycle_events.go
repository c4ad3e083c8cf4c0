package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"time"
)

// Events are what subscribers of a cid get besides its replies:
// progress (a heartbeat), stalled and resumed. They are not stored, have
// no offset and are not sent to callbacks; a subscriber that was away
// misses them, and the record tells what it needs (StalledSince).

// progressFrame is the frame of a heartbeat.
func progressFrame(cid string, progress *float64, msg string, at time.Time) []byte {
	b, _ := json.Marshal(struct {
		Type     string    `json:"type"`
		CID      string    `json:"cid"`
		Progress *float64  `json:"progress,omitempty"`
		Msg      string    `json:"msg,omitempty"`
		At       time.Time `json:"at"`
	}{"progress", cid, progress, msg, at.UTC()})
	return b
}

// stalledFrame is the frame of a stall that began at since.
func stalledFrame(cid string, since time.Time) []byte {
	b, _ := json.Marshal(struct {
		Type  string    `json:"type"`
		CID   string    `json:"cid"`
		Since time.Time `json:"since"`
	}{"stalled", cid, since.UTC()})
	return b
}

// resumedFrame is the frame of a stall's end.
func resumedFrame(cid string) []byte {
	b, _ := json.Marshal(struct {
		Type string `json:"type"`
		CID  string `json:"cid"`
	}{"resumed", cid})
	return b
}

// publishEvent sends an event frame to the subscribers of cid and of its
// caller on every instance. Its broker message has a reply's header with
// no seq and no offset; subscribers pass it on as it comes.
func (h *Hub) publishEvent(ctx context.Context, cid, caller string, frame []byte) {
	topics := replyTopics(cid, caller)
	if h.unheard(topics) {
		return
	}
	msg := appendHeader(nil, cid, "0", false, "", "", "", caller)
	h.fanOut(ctx, cid, topics, append(append(msg, '\n'), frame...), "publish event")
}

// Event names what a subscriber's frame is: "" for a reply, else the
// event's type ("progress", "stalled", "resumed").
func (r *Reply) Event() string {
	if r.frame == nil || bytes.HasPrefix(r.frame, []byte(frameType)) {
		return ""
	}
	var t struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(r.frame, &t)
	return t.Type
}
