package api

import (
	"sync"
	"sync/atomic"
	"time"
)

// pingSlots is how many turns of the ping wheel make one ping interval.
const pingSlots = 16

// sessions are a Server's open WebSockets on a timer wheel: one
// goroutine, started with the first, pings every session that wrote
// nothing for a ping interval and closes them all when the hub closes.
// Each session sits in one of pingSlots slots, dealt in turn, and a turn
// looks at one slot, so pings spread over the interval however the
// connections came, and no session has a timer of its own while idle.
type sessions struct {
	once   sync.Once
	turn   atomic.Int64 // turns of the wheel so far
	mu     sync.Mutex
	slots  [pingSlots]map[*session]struct{}
	next   int  // the slot the next session gets
	closed bool // the hub closed: sessions are closed as they come
}

// add puts w on the wheel, which starts with the first session.
func (ss *sessions) add(w *session) {
	ss.once.Do(func() {
		w.s.streams.Add(1)
		go w.s.runWheel()
	})
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		w.closing.Store(true)
		w.wake()
		return
	}
	w.slot, ss.next = ss.next, (ss.next+1)%pingSlots
	if ss.slots[w.slot] == nil {
		ss.slots[w.slot] = map[*session]struct{}{}
	}
	ss.slots[w.slot][w] = struct{}{}
	w.active.Store(ss.turn.Load())
}

func (ss *sessions) remove(w *session) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.slots[w.slot], w)
}

// runWheel turns the wheel every pingInterval/pingSlots until the hub
// closes.
func (s *Server) runWheel() {
	defer s.streams.Done()
	tick := time.NewTicker(max(s.pingInterval/pingSlots, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			s.sessions.turnWheel()
		case <-s.hub.Done():
			s.sessions.closeAll()
			return
		}
	}
}

// turnWheel asks the sessions of the next slot that wrote nothing for a
// whole turn of the wheel for a ping.
func (ss *sessions) turnWheel() {
	turn := ss.turn.Add(1)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for w := range ss.slots[turn%pingSlots] {
		if turn-w.active.Load() >= pingSlots {
			w.pingDue.Store(true)
			w.wake()
		}
	}
}

// closeAll closes every session, going away, and any that comes later.
func (ss *sessions) closeAll() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.closed = true
	for _, slot := range ss.slots {
		for w := range slot {
			w.closing.Store(true)
			w.wake()
		}
	}
}

// wrote records a write: the wheel pings w a ping interval after it.
func (w *session) wrote() { w.active.Store(w.s.sessions.turn.Load()) }
