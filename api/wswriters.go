package api

import (
	"runtime"
	"sync/atomic"
)

// writers are a Server's idle writer goroutines. A session with
// something to write (wake) is handed to an idle one, so that a delivery
// wakes a goroutine whose stack has grown already instead of starting
// one; when none is idle it gets a goroutine of its own, which stays as
// an idle writer afterwards if fewer than maxIdle are. The hand-off
// succeeds only into a writer waiting for it: no session waits behind
// another's write, however slow.
type writers struct {
	hand    chan *session // unbuffered
	idle    atomic.Int32
	maxIdle int32
}

func newWriters() writers {
	return writers{hand: make(chan *session), maxIdle: int32(max(4, 2*runtime.GOMAXPROCS(0)))}
}

// startWriter runs w.flush on an idle writer or a new goroutine; w.wmu
// is held for it.
func (s *Server) startWriter(w *session) {
	select {
	case s.writers.hand <- w:
	default:
		go s.writer(w)
	}
}

// writer flushes w, then waits as an idle writer for the next session
// until the hub closes, unless enough writers are idle.
func (s *Server) writer(w *session) {
	ws := &s.writers
	for {
		w.flush()
		if ws.idle.Add(1) > ws.maxIdle {
			ws.idle.Add(-1)
			return
		}
		select {
		case w = <-ws.hand:
			ws.idle.Add(-1)
		case <-s.hub.Done():
			ws.idle.Add(-1)
			return
		}
	}
}
