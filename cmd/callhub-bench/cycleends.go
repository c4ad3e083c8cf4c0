package main

import (
	"sync"
	"sync/atomic"
)

// cycleEnds is where the cycles of one measurement end: a caller waits on
// its cid, and the receiver (or, without a callback, the service once its
// reply is stored) ends it. Either may come first. It is safe for
// concurrent use.
type cycleEnds struct {
	mu   sync.Mutex
	cids map[string]*cycleEnd
	dups atomic.Int64 // ends of a cid already ended: a callback delivered twice
}

// cycleEnd is one cid's end: done is closed once, err says why it failed.
type cycleEnd struct {
	done chan struct{}
	err  error
}

func newCycleEnds() *cycleEnds { return &cycleEnds{cids: map[string]*cycleEnd{}} }

// of is cid's end, made on first use.
func (e *cycleEnds) of(cid string) *cycleEnd {
	e.mu.Lock()
	defer e.mu.Unlock()
	end := e.cids[cid]
	if end == nil {
		end = &cycleEnd{done: make(chan struct{})}
		e.cids[cid] = end
	}
	return end
}

// end ends cid's cycle, failed when err is set; a second end counts as a
// duplicate.
func (e *cycleEnds) end(cid string, err error) {
	end := e.of(cid)
	e.mu.Lock()
	defer e.mu.Unlock()
	select {
	case <-end.done:
		e.dups.Add(1)
	default:
		end.err = err
		close(end.done)
	}
}
