package hubclient

import (
	"encoding/json"
	"time"
)

// Types of the events a Subscription yields with NextEvent.
const (
	EventReply    = "reply"    // a stored reply: Event.Reply
	EventProgress = "progress" // the service's heartbeat: Progress, Msg, At
	EventStalled  = "stalled"  // the service has been silent past heartbeatMs since Since
	EventResumed  = "resumed"  // a sign of life after a stall
)

// Event is what a subscription yields: a reply, or a sign of the cid's
// life that the hub does not store (progress, stalled, resumed). Those
// have no offset: a subscriber that was away misses them, and the
// request's record tells whether the cid is stalled now (stalledSince).
type Event struct {
	Type  string // one of the Event* constants
	CID   string
	Reply Reply // for EventReply

	Progress *float64  // EventProgress: from 0 to 1, nil when the heartbeat had none
	Msg      string    // EventProgress: the heartbeat's msg
	At       time.Time // EventProgress: when the hub got the heartbeat
	Since    time.Time // EventStalled: when the silence began

	// Raw is the frame as the hub sent it, to pass on or print as it is.
	Raw json.RawMessage
}

// eventFrame is the part of an event frame besides a reply's fields.
type eventFrame struct {
	Type     string    `json:"type"`
	CID      string    `json:"cid"`
	Progress *float64  `json:"progress"`
	Msg      string    `json:"msg"`
	At       time.Time `json:"at"`
	Since    time.Time `json:"since"`
}

// decodeEvent reads a lifecycle event frame; ok is false for any other
// frame, or one that does not parse: an unknown frame is skipped, never
// an error, so a newer hub's frames do not break an older client.
func decodeEvent(b []byte) (ev Event, ok bool) {
	var f eventFrame
	if json.Unmarshal(b, &f) != nil {
		return ev, false
	}
	switch f.Type {
	case EventProgress, EventStalled, EventResumed:
		return Event{Type: f.Type, CID: f.CID, Progress: f.Progress, Msg: f.Msg, At: f.At, Since: f.Since}, true
	}
	return ev, false
}
