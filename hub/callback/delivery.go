package callback

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/callhub/callhub/hub"
)

// Delivery states.
const (
	Pending   = "pending"   // queued or waiting for a retry
	Delivered = "delivered" // the endpoint answered 2xx
	Failed    = "failed"    // 410 Gone, or refused at send time
	Dead      = "dead"      // attempts used up
	Skipped   = "skipped"   // acknowledged live by AckBy: never attempted
)

// Settled reports whether a delivery in state is done with its reply:
// delivered, or skipped because a subscriber acknowledged the reply. A
// queue keeps of a settled delivery neither its reply, but the offset,
// nor its trace.
func Settled(state string) bool { return state == Delivered || state == Skipped }

// Delivery is one reply's HTTP callback.
type Delivery struct {
	ID            string    `json:"id"` // "<cid>.<seq>", also the webhook-id
	CID           string    `json:"cid"`
	Seq           int       `json:"seq"`
	Caller        string    `json:"caller"`
	URL           string    `json:"url"` // resolved against the caller's callbackBase
	Method        string    `json:"method"`
	Reply         hub.Reply `json:"-"`
	State         string    `json:"state"`
	Attempts      int       `json:"attempts"`
	LastStatus    int       `json:"lastStatus,omitempty"`
	LastError     string    `json:"lastError,omitempty"`
	NextAttemptAt time.Time `json:"nextAttemptAt"`
	// AckBy, set for a request whose callback.when is "unacked", is the
	// reply's stored time plus callback.afterMs: the delivery is first
	// due then, and ends Skipped if a subscriber acknowledged the reply
	// by then. Zero: always attempted.
	AckBy time.Time `json:"ackBy,omitzero"`
	// AttemptLog holds the last MaxAttemptLog attempts, oldest first.
	AttemptLog []hub.Attempt `json:"attemptLog,omitempty"`
	// Replay marks an admin's replay: it is attempted even when its
	// endpoint is disabled, and its success re-enables the endpoint.
	Replay    bool      `json:"replay,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`

	// Legacy sends the callback in the old middleware's form (see
	// hub.Record.Legacy).
	Legacy bool `json:"legacy,omitempty"`
	// TraceParent is the W3C traceparent of the reply's span: each
	// attempt is a span of that trace and sends its own traceparent.
	TraceParent string `json:"traceparent,omitempty"`
}

// DeliveryID is the id of the delivery of reply seq of cid.
func DeliveryID(cid string, seq int) string { return cid + "." + strconv.Itoa(seq) }

// SplitDeliveryID parses a DeliveryID back into its cid and seq (a cid may
// itself hold dots: the seq follows the last one). Only DeliveryID's own
// spelling parses: "c.01" and "c.+1" name no delivery, as no list shows
// them.
func SplitDeliveryID(id string) (cid string, seq int, ok bool) {
	i := strings.LastIndexByte(id, '.')
	if i < 0 {
		return "", 0, false
	}
	num := id[i+1:]
	seq, err := strconv.Atoi(num)
	return id[:i], seq, err == nil && strconv.Itoa(seq) == num
}

// ValidDeliveryID reports whether id can name a delivery: a valid cid
// (not empty), a dot and a seq of at least 1, as DeliveryID spells them.
func ValidDeliveryID(id string) bool {
	cid, seq, ok := SplitDeliveryID(id)
	return ok && seq >= 1 && cid != "" && hub.ValidCID(cid)
}

// DeliveryIDRule says what ValidDeliveryID accepts, as an error's reason.
const DeliveryIDRule = "must be <cid>.<seq>, as the delivery list shows it"

// Status is the delivery as the request record shows it.
func (d Delivery) Status() hub.DeliveryStatus {
	s := hub.DeliveryStatus{ID: d.ID, Seq: d.Seq, State: d.State, Attempts: d.Attempts,
		LastStatus: d.LastStatus, LastError: d.LastError, AttemptLog: d.AttemptLog}
	if d.State == Pending {
		t := d.NextAttemptAt
		s.NextAttemptAt = &t
	}
	return s
}

// Filter selects deliveries for List. Zero fields match all.
type Filter struct {
	State  string
	Caller string
	Since  time.Time // created at or after
	Limit  int       // defaults to 100
	Cursor string    // from the previous page
}

// Queue holds the callback deliveries of every instance. Implementations
// are safe for concurrent use by many instances; each method is atomic.
type Queue interface {
	// Add stores d as pending, due at d.NextAttemptAt. It does nothing if a
	// delivery with d.ID exists, so enqueueing is idempotent. d.ID is
	// DeliveryID(d.CID, d.Seq): a queue finds a delivery by its cid and seq.
	Add(ctx context.Context, d Delivery) error

	// Claim leases up to n deliveries that are due at now and at the head
	// of their cid: every lower seq of the cid is delivered, failed or dead.
	// A leased delivery is not claimed again before the lease ends, which
	// only happens if its holder died.
	Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]Delivery, error)

	// Save stores d after an attempt (or a replay) and ends its lease. A
	// delivery saved as pending is due again at d.NextAttemptAt. One saved
	// delivered or skipped is never attempted again: it may be kept
	// without its Reply (but for what the queue itself reads of it, such
	// as the offset the memory queue orders a cid by) and TraceParent.
	Save(ctx context.Context, d Delivery) error

	// Get returns one delivery, or ErrNotFound.
	Get(ctx context.Context, id string) (Delivery, error)

	// List returns one page of deliveries, oldest first, and the cursor of
	// the next page ("" after the last): a position in decimal, which the
	// Deliverer checks before it passes one back.
	List(ctx context.Context, f Filter) ([]Delivery, string, error)

	// ForCID returns the deliveries of cid in seq order.
	ForCID(ctx context.Context, cid string) ([]Delivery, error)

	// Stats returns the queue's size. It must be cheap (a metrics scrape
	// calls it): no scan of every delivery in a shared backend.
	Stats(ctx context.Context) (QueueStats, error)
}
