package memstore

import (
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
type Queue struct {
	mu     sync.Mutex
	byID   map[string]*memDelivery
	byCID  map[string][]*memDelivery // in seq order
	order  []*memDelivery            // by creation, for List
	leases map[string]time.Time      // id → lease end
}

type memDelivery struct{ d callback.Delivery }

var _ callback.Queue = (*Queue)(nil)

// Add implements Queue.
func (q *Queue) Add(_ context.Context, d callback.Delivery) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.byID == nil {
		q.byID, q.byCID, q.leases = map[string]*memDelivery{}, map[string][]*memDelivery{}, map[string]time.Time{}
	}
	if _, ok := q.byID[d.ID]; ok {
		return nil
	}
	m := &memDelivery{d: d}
	q.byID[d.ID] = m
	list := append(q.byCID[d.CID], m)
	sort.SliceStable(list, func(i, j int) bool { return list[i].d.Seq < list[j].d.Seq })
	q.byCID[d.CID] = list
	q.order = append(q.order, m)
	return nil
}

// Claim implements Queue.
func (q *Queue) Claim(_ context.Context, now time.Time, n int, lease time.Duration) ([]callback.Delivery, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []callback.Delivery
	for _, list := range q.byCID {
		if len(out) == n {
			break
		}
		m := head(list)
		if m == nil || m.d.NextAttemptAt.After(now) || q.leases[m.d.ID].After(now) {
			continue
		}
		q.leases[m.d.ID] = now.Add(lease)
		out = append(out, m.d)
	}
	return out, nil
}

// head is the first pending delivery of a cid's list.
func head(list []*memDelivery) *memDelivery {
	for _, m := range list {
		if m.d.State == callback.Pending {
			return m
		}
	}
	return nil
}

// Save implements Queue.
func (q *Queue) Save(_ context.Context, d callback.Delivery) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	m, ok := q.byID[d.ID]
	if !ok {
		return hub.Errorf(hub.ErrNotFound, "delivery %s not found", d.ID)
	}
	m.d = d
	delete(q.leases, d.ID)
	return nil
}

// Get implements Queue.
func (q *Queue) Get(_ context.Context, id string) (callback.Delivery, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	m, ok := q.byID[id]
	if !ok {
		return callback.Delivery{}, hub.Errorf(hub.ErrNotFound, "delivery %s not found", id)
	}
	return m.d, nil
}

// List implements Queue. The cursor is a position in creation order.
func (q *Queue) List(_ context.Context, f callback.Filter) ([]callback.Delivery, string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	pos, _ := strconv.Atoi(f.Cursor)
	var out []callback.Delivery
	for i := pos; i < len(q.order); i++ {
		d := q.order[i].d
		if (f.State == "" || d.State == f.State) && (f.Caller == "" || d.Caller == f.Caller) && !d.CreatedAt.Before(f.Since) {
			out = append(out, d)
		}
		if len(out) == limit {
			if i+1 == len(q.order) {
				return out, "", nil
			}
			return out, strconv.Itoa(i + 1), nil
		}
	}
	return out, "", nil
}

// ForCID implements Queue.
func (q *Queue) ForCID(_ context.Context, cid string) ([]callback.Delivery, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]callback.Delivery, 0, len(q.byCID[cid]))
	for _, m := range q.byCID[cid] {
		out = append(out, m.d)
	}
	return out, nil
}
