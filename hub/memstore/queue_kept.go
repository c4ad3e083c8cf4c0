package memstore

import (
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
)

// memDelivery is one delivery as the queue keeps it. A delivered or
// skipped delivery is never attempted again: of its reply only the offset
// stays, which the cid's chain links the next reply to (queue_order.go),
// and its trace is dropped, as the Redis queue drops them. The queue
// keeps deliveries for Retention, most of them delivered, and they are
// most of what the collector scans of it: what only a delivery that may
// be attempted again needs lives apart (attemptable), so a delivered one
// is about half the size of a callback.Delivery, with half the pointers.
type memDelivery struct {
	kept
	attemptable *attemptable // nil once delivered or skipped
	offset      string       // its reply's
	num         int          // creation number: List's cursor
	lease       time.Time    // end of its lease, zero when not leased
	gone        bool         // pruned
}

// kept is every field of a callback.Delivery but Reply and TraceParent.
// TestKeptHasEveryField fails when Delivery gains one it lacks.
type kept struct {
	ID, CID, Caller, URL, Method, State, LastError string
	Seq, Attempts, LastStatus                      int
	NextAttemptAt, AckBy, CreatedAt, UpdatedAt     time.Time
	AttemptLog                                     []hub.Attempt
	Replay, Legacy                                 bool
}

// attemptable is what a delivery that may be attempted (again) needs
// besides kept: its reply, sent as the callback, and its trace.
type attemptable struct {
	reply       hub.Reply
	traceParent string
}

// set stores d in m.
func (m *memDelivery) set(d callback.Delivery) {
	m.kept = kept{ID: d.ID, CID: d.CID, Caller: d.Caller, URL: d.URL, Method: d.Method, State: d.State,
		LastError: d.LastError, Seq: d.Seq, Attempts: d.Attempts, LastStatus: d.LastStatus,
		NextAttemptAt: d.NextAttemptAt, AckBy: d.AckBy, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
		AttemptLog: d.AttemptLog, Replay: d.Replay, Legacy: d.Legacy}
	m.offset = d.Reply.Offset
	switch {
	case callback.Settled(d.State):
		m.attemptable = nil
	case m.attemptable == nil:
		m.attemptable = &attemptable{d.Reply, d.TraceParent}
	default: // m's own: nothing else holds it (delivery copies it out)
		*m.attemptable = attemptable{d.Reply, d.TraceParent}
	}
}

// delivery is the delivery m keeps.
func (m *memDelivery) delivery() callback.Delivery {
	k := &m.kept
	d := callback.Delivery{ID: k.ID, CID: k.CID, Caller: k.Caller, URL: k.URL, Method: k.Method, State: k.State,
		LastError: k.LastError, Seq: k.Seq, Attempts: k.Attempts, LastStatus: k.LastStatus,
		NextAttemptAt: k.NextAttemptAt, AckBy: k.AckBy, CreatedAt: k.CreatedAt, UpdatedAt: k.UpdatedAt,
		AttemptLog: k.AttemptLog, Replay: k.Replay, Legacy: k.Legacy}
	if a := m.attemptable; a != nil {
		d.Reply, d.TraceParent = a.reply, a.traceParent
	} else {
		d.Reply.Offset = m.offset
	}
	return d
}
