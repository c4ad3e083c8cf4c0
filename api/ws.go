package api

import (
	"context"
	"errors"

	"github.com/callhub/callhub/hub"
	"github.com/coder/websocket"
	"github.com/gin-gonic/gin"
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
	sess := &session{s: s, conn: conn, p: p, release: holdRoom(cw.conn), sock: cw.conn}
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
