package api

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/coder/websocket"
	"go.opentelemetry.io/otel/trace"
)

// session is one WebSocket connection. Its goroutine reads client
// frames; a writer, one of the Server's idle ones or a new goroutine
// (wake, wswriters.go), works for it only while live replies, a ping or
// a close wait to go out.
type session struct {
	s    *Server
	conn *websocket.Conn
	p    hub.Principal // without a token: each subscribe brings its own
	sub  *hub.Subscriber
	// tokens holds the ws token each cid was subscribed with, so an ack
	// of that cid passes the same check; read loop only. A slice: a
	// connection subscribes to a few cids with tokens, and one entry
	// costs 32 bytes where a map costs hundreds.
	tokens []cidToken

	// wmu is held by the writer, which starts when wake takes it; kicks
	// counts wakes, so one that came while the writer was finishing is
	// not lost. ended is set, under wmu, when the read loop ends: no
	// writer runs after.
	wmu   sync.Mutex
	kicks atomic.Uint32
	ended atomic.Bool

	// The writer's own, under wmu: the timer that ends a write batch
	// stuck past the write timeout (stuck), made at the first batch, and
	// gone, set once the writer closed the connection.
	deadline *time.Timer
	gone     bool

	// The ping wheel's (wsping.go): the turn its ping falls due (under
	// the wheel's lock), the turn of its last write, a ping the wheel
	// asks for, and the hub's shutdown.
	due     int64
	active  atomic.Int64
	pingDue atomic.Bool
	closing atomic.Bool

	// release frees the room kept in the send buffer for a close frame
	// (holdRoom); nil when none is kept. The deadline sets cut once it
	// has: the writer then closes with 1013 after the frame it is in, and
	// lastResort closes the connection should it be stuck even so.
	release    func() bool
	cut        atomic.Bool
	lastResort atomic.Pointer[time.Timer]
	// sock is the connection under the WebSocket, which lastResort
	// closes: once the library's Close has begun, its CloseNow only
	// waits for it, and Close waits for the peer's close frame, up to 5s,
	// from a client that reads nothing.
	sock net.Conn
}

// end lets the writer finish, then closes what the session holds.
func (w *session) end() {
	w.wmu.Lock()
	w.ended.Store(true)
	if w.deadline != nil {
		w.deadline.Stop()
	}
	w.wmu.Unlock()
	w.s.sessions.remove(w)
	if t := w.lastResort.Load(); t != nil {
		t.Stop()
	}
	w.sub.Close()
	w.conn.CloseNow()
}

// sessionContext is the context of a session's reads and of its calls
// to the hub once the handler returned: the trace the upgrade request
// came with, if any, and nothing else of the request, whose context
// (and the connection's, which net/http keeps in it) ends with the
// handler. It has no Done channel: the library arms nothing per read,
// and the session hangs no context of its own on the server's; the
// connection's close ends a read instead.
func sessionContext(r *http.Request) context.Context {
	if sc := trace.SpanContextFromContext(r.Context()); sc.IsValid() {
		return trace.ContextWithSpanContext(context.Background(), sc)
	}
	return context.Background()
}
