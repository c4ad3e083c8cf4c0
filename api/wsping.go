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
// A session sits in the slot of the turn its ping falls due. When the
// turn comes, one that wrote meanwhile moves to the slot a ping interval
// after that write; the others are pinged, at most maxPings a turn (the
// rest wait for the next turn), so that the connections of a burst do
// not all have a ping in flight at once. A write only records its turn:
// no session has a timer of its own, and none moves more than once an
// interval.
type sessions struct {
	once   sync.Once
	turn   atomic.Int64 // turns of the wheel so far
	mu     sync.Mutex
	slots  [pingSlots]map[*session]struct{}
	n      int  // sessions on the wheel
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
	turn := ss.turn.Load()
	w.active.Store(turn)
	ss.n++
	ss.put(w, turn+pingSlots)
}

// put files w in the slot of turn due; ss.mu is held.
func (ss *sessions) put(w *session, due int64) {
	w.due = due
	slot := &ss.slots[due%pingSlots]
	if *slot == nil {
		*slot = map[*session]struct{}{}
	}
	(*slot)[w] = struct{}{}
}

func (ss *sessions) remove(w *session) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if _, ok := ss.slots[w.due%pingSlots][w]; ok {
		delete(ss.slots[w.due%pingSlots], w)
		ss.n--
	}
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

// turnWheel goes over the slot of the next turn: the sessions due are
// pinged, those that wrote since they were filed move on.
func (ss *sessions) turnWheel() {
	turn := ss.turn.Add(1)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	slot := ss.slots[turn%pingSlots]
	pings := 0
	for w := range slot {
		if w.due > turn {
			continue // a lap later
		}
		switch a := w.active.Load(); {
		case a+pingSlots > turn:
			delete(slot, w)
			ss.put(w, a+pingSlots)
		case pings >= ss.maxPings():
			delete(slot, w)
			ss.put(w, turn+1)
		default:
			pings++
			w.due = turn + pingSlots // this slot, a lap later
			w.pingDue.Store(true)
			w.wake()
		}
	}
}

// maxPings bounds the pings of one turn: twice an even share.
func (ss *sessions) maxPings() int { return max(64, 2*ss.n/pingSlots) }

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
