package memstore

import (
	"container/heap"
	"context"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
)

// Queue is a Queue in this process's memory, for one instance. It is
// safe for concurrent use. The zero value is ready to use.
//
// Claim costs what it claims: each cid with a pending delivery has one
// entry in a heap ordered by when its head is next due (its attempt time,
// or its lease's end), and Claim pops only the due ones. A delivery that
// ends (delivered, failed, dead) is forgotten Retention after its last
// update, at the next Claim.
//
// Add stores and schedules a delivery under one lock, as the Redis
// queue's add script does.
type Queue struct {
	// Retention is how long a finished delivery stays listed. Defaults
	// to 24h.
	Retention time.Duration

	mu       sync.Mutex
	byCID    map[string]*cidQueue // a delivery is found by its cid and seq (find)
	ready    readyHeap            // cids with a pending delivery, soonest due first
	order    []*memDelivery       // by creation, for List; pruned ones until compacted
	pruned   int                  // pruned entries in order
	nextNum  int                  // creation number of the next delivery
	finished []*memDelivery       // by the time they finished, for pruning
}

var (
	_ callback.Queue     = (*Queue)(nil)
	_ callback.AddLeaser = (*Queue)(nil)
)

func (q *Queue) init() {
	if q.byCID == nil {
		q.byCID = map[string]*cidQueue{}
	}
}

// find is the delivery of reply seq of cid, or nil. A delivery's id is
// always its cid and seq (callback.DeliveryID). Looking it up in its
// cid's list, where the seq looked up is mostly the last one's or the
// head's (cidQueue.search), costs less than a map of every id the queue
// keeps for Retention, and the map's memory goes too.
func (q *Queue) find(cid string, seq int) *memDelivery {
	if c := q.byCID[cid]; c != nil {
		return c.find(seq)
	}
	return nil
}

// Add implements Queue.
func (q *Queue) Add(_ context.Context, d callback.Delivery) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.add(d)
	return nil
}

// AddLeased implements callback.AddLeaser: Add, and the delivery leased
// when it heads its cid and is due, as Claim would lease it.
func (q *Queue) AddLeased(_ context.Context, d callback.Delivery, now time.Time, lease time.Duration) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	m := q.add(d)
	if m == nil { // existed: leased already when this call's own, sent again
		old := q.find(d.CID, d.Seq)
		return old.State == callback.Pending && old.lease.Equal(now.Add(lease)), nil
	}
	if m.State != callback.Pending || m.NextAttemptAt.After(now) {
		return false, nil
	}
	c := q.byCID[d.CID]
	if c.head() != m {
		return false, nil
	}
	m.lease = now.Add(lease)
	q.reschedule(c)
	return true, nil
}

// Unlease implements callback.AddLeaser.
func (q *Queue) Unlease(_ context.Context, d callback.Delivery, until time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	m := q.find(d.CID, d.Seq)
	if m == nil || m.State != callback.Pending || !m.lease.Equal(until) {
		return nil
	}
	m.lease = time.Time{}
	q.reschedule(q.byCID[d.CID])
	return nil
}

// add stores and schedules d, and answers it, or nil when it existed.
func (q *Queue) add(d callback.Delivery) *memDelivery {
	q.init()
	c, at := q.byCID[d.CID], 0
	if c != nil {
		var found bool
		if at, found = c.search(d.Seq); found {
			return nil
		}
	}
	m := &memDelivery{num: q.nextNum}
	m.set(d)
	q.nextNum++
	if c == nil {
		c = &cidQueue{cid: d.CID, index: -1}
		q.byCID[d.CID] = c
	}
	c.link(d)
	c.insert(at, m)
	q.order = append(q.order, m)
	q.reschedule(c)
	return m
}

// Claim implements Queue.
func (q *Queue) Claim(_ context.Context, now time.Time, n int, lease time.Duration) ([]callback.Delivery, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.prune(now)
	out := make([]callback.Delivery, 0, q.ready.due(now, n)) // one allocation, of what it claims
	for len(out) < n && len(q.ready) > 0 && !q.ready[0].due.After(now) {
		c := q.ready[0]
		m := c.head()
		m.lease = now.Add(lease)
		out = append(out, m.delivery())
		q.reschedule(c) // due again when the lease ends, if its holder dies
	}
	return out, nil
}

// Save implements Queue.
func (q *Queue) Save(_ context.Context, d callback.Delivery) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	m := q.find(d.CID, d.Seq)
	if m == nil {
		return hub.Errorf(hub.ErrNotFound, "delivery %s not found", d.ID)
	}
	wasPending := m.State == callback.Pending
	m.set(d)
	m.lease = time.Time{}
	c := q.byCID[d.CID]
	switch {
	case wasPending && d.State != callback.Pending:
		q.finished = append(q.finished, m)
	case !wasPending && d.State == callback.Pending:
		c.done = 0 // a replay: pending again
	}
	q.reschedule(c)
	return nil
}

// Get implements Queue.
func (q *Queue) Get(_ context.Context, id string) (callback.Delivery, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var m *memDelivery
	if cid, seq, ok := callback.SplitDeliveryID(id); ok {
		m = q.find(cid, seq)
	}
	if m == nil {
		return callback.Delivery{}, hub.Errorf(hub.ErrNotFound, "delivery %s not found", id)
	}
	return m.delivery(), nil
}

// List implements Queue. The cursor is a creation number.
func (q *Queue) List(_ context.Context, f callback.Filter) ([]callback.Delivery, string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	from, _ := strconv.Atoi(f.Cursor)
	start := sort.Search(len(q.order), func(i int) bool { return q.order[i].num >= from })
	var out []callback.Delivery
	for i := start; i < len(q.order); i++ {
		m := q.order[i]
		if m.gone {
			continue
		}
		if (f.State == "" || m.State == f.State) && (f.Caller == "" || m.Caller == f.Caller) && !m.CreatedAt.Before(f.Since) {
			out = append(out, m.delivery())
		}
		if len(out) == limit {
			if i+1 == len(q.order) {
				return out, "", nil
			}
			return out, strconv.Itoa(m.num + 1), nil
		}
	}
	return out, "", nil
}

// ForCID implements Queue.
func (q *Queue) ForCID(_ context.Context, cid string) ([]callback.Delivery, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var list []*memDelivery
	if c := q.byCID[cid]; c != nil {
		list = c.list
	}
	out := make([]callback.Delivery, 0, len(list))
	for _, m := range list {
		out = append(out, m.delivery())
	}
	return out, nil
}

// reschedule puts c in the ready heap at its head's due time, or takes it
// out when nothing of it is pending.
func (q *Queue) reschedule(c *cidQueue) {
	m := c.head()
	switch {
	case m == nil && c.index >= 0:
		heap.Remove(&q.ready, c.index)
	case m == nil:
	case c.index >= 0:
		c.due = m.due()
		heap.Fix(&q.ready, c.index)
	default:
		c.due = m.due()
		heap.Push(&q.ready, c)
	}
}

func (m *memDelivery) due() time.Time {
	if m.lease.After(m.NextAttemptAt) {
		return m.lease
	}
	return m.NextAttemptAt
}
