package memstore

import (
	"container/heap"
	"context"
	"sync"
	"time"

	"github.com/callhub/callhub/hub"
)

// timers is the lifecycle timers of one instance: each timer's time by
// cid and kind, and a heap of them in time order. A timer set again gets
// a new heap entry; the old one is skipped when it comes up.
type timers struct {
	mu  sync.Mutex
	at  map[timerKey]timerAt
	due timerHeap
}

type timerKey struct{ cid, kind string }

// timerAt is when a timer is due, and whether that is the end of a
// lease (ClaimTimers) rather than a time SetTimer set: DropTimer removes
// only the lease, also when SetTimer set the timer to its very end.
type timerAt struct {
	at     time.Time
	leased bool
}

type timerEntry struct {
	key timerKey
	at  time.Time
}

type timerHeap []timerEntry

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h timerHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)        { *h = append(*h, x.(timerEntry)) }
func (h *timerHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// set schedules key at at, a lease's end if leased; t.mu is held.
func (t *timers) set(key timerKey, at time.Time, leased bool) {
	if t.at == nil {
		t.at = map[timerKey]timerAt{}
	}
	t.at[key] = timerAt{at, leased}
	heap.Push(&t.due, timerEntry{key, at})
}

// SetTimer implements hub.Timers.
func (m *Store) SetTimer(_ context.Context, tm hub.Timer) error {
	m.timers.mu.Lock()
	defer m.timers.mu.Unlock()
	m.timers.set(timerKey{tm.CID, tm.Kind}, tm.At, false)
	return nil
}

// ClaimTimers implements hub.Timers.
func (m *Store) ClaimTimers(_ context.Context, now time.Time, n int, lease time.Duration) ([]hub.Timer, error) {
	t := &m.timers
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []hub.Timer
	for len(out) < n && len(t.due) > 0 && !t.due[0].at.After(now) {
		e := heap.Pop(&t.due).(timerEntry)
		if at, ok := t.at[e.key]; !ok || !at.at.Equal(e.at) {
			continue // dropped, or set again: its entry comes later
		}
		end := now.Add(lease)
		t.set(e.key, end, true)
		out = append(out, hub.Timer{CID: e.key.cid, Kind: e.key.kind, At: end})
	}
	return out, nil
}

// DropTimer implements hub.Timers.
func (m *Store) DropTimer(_ context.Context, tm hub.Timer) error {
	m.timers.mu.Lock()
	defer m.timers.mu.Unlock()
	key := timerKey{tm.CID, tm.Kind}
	if at, ok := m.timers.at[key]; ok && at.leased && at.at.Equal(tm.At) {
		delete(m.timers.at, key)
	}
	return nil
}
