package hub

import (
	"context"
	"encoding/json"
	"time"
)

// Step is the stored outcome of one forwarded request step. A step with
// Done false is being forwarded right now.
type Step struct {
	Seq    int             `json:"seq"`
	IsEnd  bool            `json:"isEnd"`
	Done   bool            `json:"done"`
	Status int             `json:"status,omitempty"`
	Data   json.RawMessage `json:"data,omitempty"`
	Error  string          `json:"error,omitempty"`
	// TimedOut reports that Error is a forward timeout, so a repeat of
	// the step answers 504 again rather than 502.
	TimedOut bool      `json:"timedOut,omitempty"`
	At       time.Time `json:"at"`
}

// Request states.
const (
	StatePending   = "pending"   // waiting for the service's first reply
	StateReplied   = "replied"   // some replies, not the last
	StateCompleted = "completed" // the isEnd reply is stored
	StateFailed    = "failed"    // forwarding failed
	StateExpired   = "expired"   // its deadline passed: the hub ended it
	StateCanceled  = "canceled"  // its caller canceled it: the hub ended it
)

// Request modes.
const (
	ModeSync  = "sync"
	ModeAsync = "async"
)

// Record is everything the hub knows about one cid.
type Record struct {
	CID       string `json:"cid"`
	ServiceID string `json:"serviceId"`
	Caller    string `json:"caller"`
	State     string `json:"state"`
	// Mode is how the request was sent: ModeSync or ModeAsync ("" for a
	// record stored by an older callhub).
	Mode       string           `json:"mode,omitempty"`
	CreatedAt  time.Time        `json:"createdAt"`
	Callback   *Callback        `json:"callback,omitempty"`
	Steps      []Step           `json:"steps"`
	Replies    []Reply          `json:"replies"`
	Deliveries []DeliveryStatus `json:"deliveries"`
	// DeadlineAt is when the hub ends the cid if no isEnd reply came;
	// HeartbeatMs how long its service may stay silent before the cid is
	// stalled; StalledSince, set while it is, when the silence began.
	DeadlineAt   *time.Time `json:"deadlineAt,omitempty"`
	HeartbeatMs  int64      `json:"heartbeatMs,omitempty"`
	StalledSince *time.Time `json:"stalledSince,omitempty"`
	// LastReply is the newest reply, filled by Store.List only.
	LastReply *Reply `json:"lastReply,omitempty"`

	// Legacy reports that the cid was created through the old middleware's
	// endpoints: its callbacks carry the reply data's fields and cid as
	// form fields, as old caller apps read them, not the JSON reply.
	Legacy bool `json:"legacy,omitempty"`
	// TraceParent is the W3C traceparent of the request that created the
	// cid: a reply whose service sends none joins this trace. Not part
	// of the JSON form; the Store keeps it and Appended.Record carries it.
	TraceParent string `json:"-"`
}

// DeliveryStatus is the state of one reply's HTTP callback.
type DeliveryStatus struct {
	ID            string     `json:"id"`
	Seq           int        `json:"seq"`
	State         string     `json:"state"`
	Attempts      int        `json:"attempts"`
	LastStatus    int        `json:"lastStatus,omitempty"`
	LastError     string     `json:"lastError,omitempty"`
	NextAttemptAt *time.Time `json:"nextAttemptAt,omitempty"`
	// AttemptLog is the delivery's last attempts, oldest first.
	AttemptLog []Attempt `json:"attemptLog,omitempty"`
}

// Attempt is one HTTP attempt of a callback delivery.
type Attempt struct {
	At         time.Time `json:"at"`
	DurationMs int64     `json:"durationMs"`
	Status     int       `json:"status,omitempty"` // 0: no answer
	Error      string    `json:"error,omitempty"`
	Body       string    `json:"body,omitempty"` // the first 1 KiB of the answer
}

// Record returns everything stored about cid, with its deliveries, if p
// may read it (see Authorize).
func (h *Hub) Record(ctx context.Context, p Principal, cid string) (*Record, error) {
	if err := h.authenticated(p, ActRead, cid); err != nil {
		return nil, err
	}
	rec, err := h.store.Get(ctx, cid)
	if err != nil {
		return nil, err
	}
	if err := h.allow(p, ActRead, *rec); err != nil {
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
