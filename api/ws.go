package api

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/coder/websocket"
	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/trace"
)

// maxFrameBytes bounds one client frame.
const maxFrameBytes = 64 << 10

// ws is GET /v1/ws.
func (s *Server) ws(c *gin.Context) {
	r := c.Request
	p, err := s.wsPrincipal(r)
	if err != nil {
		s.writeError(c, err)
		return
	}
	q := r.URL.Query()
	first := frame{Op: "subscribe", CID: q.Get("cid"), Token: q.Get("token"), Since: q.Get("since")}
	if err := s.checkConnect(r.Context(), p, first); err != nil {
		s.writeError(c, err)
		return
	}
	// Auth rides on keys and tokens, never on cookies, so any origin may
	// connect: browsers of the callers' own sites hold ws tokens.
	cw := &captureConn{ResponseWriter: c.Writer}
	conn, err := websocket.Accept(cw, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return // Accept answered the client
	}
	conn.SetReadLimit(maxFrameBytes)
	sess := &session{s: s, conn: conn, p: p, release: holdRoom(cw.conn)}
	sess.sub = s.hub.NewSubscriberFunc(sess.wake)
	s.streams.Add(1)
	done := s.metrics.stream("websocket")
	s.sessions.add(sess)
	if first.CID != "" {
		if err := sess.subscribe(r.Context(), first); err != nil {
			sess.sendError(r.Context(), first.CID, err)
		}
	}
	ctx := sessionContext(r)
	// The read loop is the session's one goroutine, owned by the Server
	// (Wait), and this handler returns: the connection is hijacked, and
	// the loop sits on a shallow stack instead of the HTTP server's and
	// every middleware's frames, which would double an idle connection's
	// stack. Writes of live replies and pings start a goroutine of their
	// own only while there is something to write (wake).
	go func() {
		defer s.streams.Done()
		defer done()
		sess.readLoop(ctx)
		sess.end()
	}()
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

// checkConnect refuses an upgrade that could never subscribe, with a
// plain HTTP error the client can read. It authorizes the first cid, so
// the session subscribes to it without asking again.
func (s *Server) checkConnect(ctx context.Context, p hub.Principal, first frame) error {
	if !hub.ValidOffset(first.Since) {
		return hub.Invalid("since", "malformed offset %q", first.Since)
	}
	if first.CID != "" {
		p.Token = first.Token
		_, err := s.hub.Authorize(ctx, p, hub.ActRead, first.CID)
		return err
	}
	return s.hub.Presented(p, "a caller key or ?cid=&token=<wsToken>")
}

// session is one WebSocket connection. Its goroutine reads client
// frames; a writer goroutine, started by wake, runs only while live
// replies, a ping or a close wait to go out (wswrite.go).
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

func (w *session) readLoop(ctx context.Context) {
	for {
		typ, b, err := w.conn.Read(ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			w.sendError(ctx, "", hub.Invalid("frame", "must be a JSON text frame"))
			continue
		}
		f, err := decodeFrame(b)
		if err != nil {
			w.sendError(ctx, f.CID, err)
			continue
		}
		w.handle(ctx, f)
	}
}

func (w *session) handle(ctx context.Context, f frame) {
	var err error
	switch {
	case f.Op == "ping":
		err = w.send(typeFrame{Type: "pong"})
	case f.Op == "unsubscribe":
		w.unsubscribe(ctx, f)
	case f.Op == "ack":
		err = w.ack(ctx, f)
	case f.CID != "":
		err = w.subscribeCID(ctx, f)
	default:
		err = w.subscribeCaller(ctx, f.Caller)
	}
	if err != nil {
		w.sendError(ctx, f.CID, err)
	}
}

// subscribeCID authorizes a subscribe frame, then subscribes.
func (w *session) subscribeCID(ctx context.Context, f frame) error {
	p := w.p
	p.Token = f.Token
	if _, err := w.s.hub.Authorize(ctx, p, hub.ActRead, f.CID); err != nil {
		return err
	}
	return w.subscribe(ctx, f)
}

// subscribe sends cid's stored replies after f.Since, then live ones.
func (w *session) subscribe(ctx context.Context, f frame) error {
	w.keepToken(f)
	emit := func(r hub.Reply) error { return w.write(r.Frame()) }
	n, err := w.sub.Recover(ctx, f.CID, f.Since, emit)
	if err != nil {
		return err
	}
	if err := w.send(subscribedFrame{Type: "subscribed", CID: f.CID, Recovered: n}); err != nil {
		return err
	}
	return w.sub.Live(ctx, f.CID, emit)
}

func (w *session) subscribeCaller(ctx context.Context, caller string) error {
	if err := w.s.hub.AuthorizeCaller(w.p, caller); err != nil {
		return err
	}
	if err := w.sub.FollowCaller(caller); err != nil {
		return err
	}
	return w.send(subscribedFrame{Type: "subscribed", Caller: caller})
}

func (w *session) unsubscribe(ctx context.Context, f frame) {
	if f.CID != "" {
		w.sub.Unsubscribe(f.CID)
		w.dropToken(f.CID)
	} else {
		w.sub.UnfollowCaller(f.Caller)
	}
	w.send(typeFrame{Type: "unsubscribed", CID: f.CID})
}

func (w *session) sendError(ctx context.Context, cid string, err error) {
	status := statusOf(err)
	switch {
	case errors.Is(err, hub.ErrUnavailable):
		w.s.outage.refused(ctx, err, "path", "/v1/ws", "cid", cid)
	case hidden(err, status):
		w.s.logger.Error("websocket request failed", "cid", cid, "err", err)
	}
	w.send(errorFrame{Type: "error", Code: status, Msg: clientMessage(err, status), CID: cid})
}

// closeFor picks the close status when the subscriber ends.
func closeFor(err error) (websocket.StatusCode, string) {
	if errors.Is(err, hub.ErrSlow) {
		return websocket.StatusTryAgainLater, "too slow: resubscribe with since"
	}
	return websocket.StatusGoingAway, "hub shutting down: reconnect with since"
}
