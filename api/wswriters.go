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
//
// maxIdle is sized for bursts, not for the cores: one pub/sub read
// dispatches many replies, each waking its session, before any writer
// runs. With a handful idle, most of such a burst started goroutines that
// grew their stacks and then exited (a new goroutine for 87% of the
// deliveries of a 1,000-subscriber fan-out on one Redis, 1% with 32
// idle). Each turn of the ping wheel lets half of the idle writers above
// minIdle go (trim), so a quiet server keeps a few.
type writers struct {
	hand    chan *session // unbuffered; nil tells an idle writer to end
	idle    atomic.Int32
	minIdle int32
	maxIdle int32
}

func newWriters() writers {
	n := int32(max(4, 2*runtime.GOMAXPROCS(0)))
	return writers{hand: make(chan *session), minIdle: n, maxIdle: max(64, n)}
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
// until the hub closes, unless enough writers are idle or trim ends it.
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
			if w == nil {
				return
			}
		case <-s.hub.Done():
			ws.idle.Add(-1)
			return
		}
	}
}

// trim ends half of the idle writers above minIdle.
func (ws *writers) trim() {
	for range (ws.idle.Load() - ws.minIdle + 1) / 2 {
		select {
		case ws.hand <- nil:
		default:
			return // none idle any more
		}
	}
}
