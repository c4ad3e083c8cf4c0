package hub

import (
	"context"
	"time"
)

// Appended is what Store.AppendReply stored, and what the hub needs next,
// so it reads nothing back.
type Appended struct {
	Reply Reply
	Dup   bool // this seq was stored before; Reply is the stored one
	// Record is the cid's record as far as queueing a callback needs it:
	// at least CID, Caller and Callback (nil when the request named none).
	Record Record
	// Published is set when the store published the reply's broker
	// message itself, on the cid topic and, if anyone follows the caller,
	// on the caller topic.
	Published bool
	// Resumed reports that the cid was stalled and the reply, a sign of
	// life, ended that; Record.HeartbeatMs is then set.
	Resumed bool
}

// StepOpener is a Store that creates a request's record and reserves its
// step in one atomic call, a round trip fewer for a remote store: Submit
// uses it when the Store has it. OpenStep is CreateRequest and then
// BeginStep, except that for a cid another caller or service owns it
// reserves nothing and answers the owner's record (created and fresh
// false).
type StepOpener interface {
	OpenStep(ctx context.Context, rec Record, s Step) (stored Record, created bool, step Step, fresh bool, err error)
}

// Store holds requests, step outcomes and replies. Implementations must be
// safe for concurrent use by many hub instances: every method is atomic.
// A Store that cannot reach its backend returns an error matching
// ErrUnavailable.
type Store interface {
	// CreateRequest stores rec if its cid is new and reports created=true.
	// If the cid exists it returns the stored record (without steps and
	// replies) and created=false.
	CreateRequest(ctx context.Context, rec Record) (stored Record, created bool, err error)

	// BeginStep reserves step s.Seq of cid. If that seq was begun before it
	// returns the stored step and fresh=false, and the caller must not
	// forward again.
	BeginStep(ctx context.Context, cid string, s Step) (stored Step, fresh bool, err error)

	// FinishStep stores the outcome of a step reserved by BeginStep.
	FinishStep(ctx context.Context, cid string, s Step) error

	// AppendReply stores r under an offset greater than every earlier one of
	// r.CID, filling Seq (0 means one more than the highest stored seq),
	// Offset, Prev, At and Caller, and updates the record's state (an
	// isEnd reply's EndState, StateCompleted if ""). It records a sign of
	// life (see Sign). A reply
	// whose seq is stored already is answered with the stored reply and
	// Dup. It fails with ErrNotFound for an unknown cid and with ErrConflict
	// after the cid's isEnd reply.
	//
	// A Store whose Broker is its own may publish the stored reply (or the
	// duplicate, again) in the same atomic step and say so in
	// Appended.Published; the hub publishes it otherwise.
	AppendReply(ctx context.Context, r Reply) (Appended, error)

	// Replies returns up to limit replies of cid with offsets after the
	// given one ("" for all), oldest first.
	Replies(ctx context.Context, cid, after string, limit int) ([]Reply, error)

	// Lookup returns the record of cid without steps and replies, or
	// ErrNotFound.
	Lookup(ctx context.Context, cid string) (Record, error)

	// Get returns the record of cid with its steps and replies, or ErrNotFound.
	Get(ctx context.Context, cid string) (*Record, error)

	// List returns one page of records, newest first, without steps and
	// replies but with LastReply, and the cursor of the next page ("" after
	// the last). A page may hold fewer than f.Limit records before the
	// last one: a backend may bound the records it reads per call.
	List(ctx context.Context, f RecordFilter) ([]Record, string, error)

	// SetState sets the state of an existing cid.
	SetState(ctx context.Context, cid, state string) error

	// Ack records that every reply of cid up to offset was acknowledged
	// at the given time (see receipt.go). The watermark never moves back:
	// an offset at or before it changes nothing, so Ack is idempotent. It
	// fails with ErrNotFound for an unknown cid and with ErrInvalid naming
	// offset for an offset past the cid's last reply. Get fills each
	// reply's AckedAt from it. It must not add work to AppendReply.
	Ack(ctx context.Context, cid, offset string, at time.Time) error

	// AckedAt returns when the reply of cid at offset was first
	// acknowledged; ok is false when it was not (or cid is gone).
	AckedAt(ctx context.Context, cid, offset string) (at time.Time, ok bool, err error)

	// Sign records a heartbeat of cid's service at at: it clears a stall
	// (Resumed). It fails with ErrNotFound for an unknown cid and with
	// ErrConflict, naming the state, after the cid's isEnd reply. A
	// reply is a sign of life too: AppendReply records it.
	Sign(ctx context.Context, cid string, at time.Time) (Signed, error)

	// CheckStall stalls cid, setting its StalledSince, if it has a
	// heartbeatMs and its last sign of life is older than that at now.
	CheckStall(ctx context.Context, cid string, now time.Time) (Stall, error)

	Timers

	// Ping reports whether the store can take writes now and its broker
	// receives what is published (what /readyz answers). While the broker
	// does not receive, its error matches ErrNotReceiving.
	Ping(ctx context.Context) error
}

// MaxSeq is the highest step and reply number, so every store keeps them
// exact.
const MaxSeq = 1<<31 - 1

const maxSeq = MaxSeq

// SeqExhausted is a store's answer to a reply without seq for a cid whose
// highest seq is MaxSeq: there is no next number to give it.
func SeqExhausted(cid string) error {
	return Errorf(ErrConflict, "seq: cid %s has reached the highest seq %d; no next seq to number the reply", cid, MaxSeq)
}
