package api

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/coder/websocket"
)

// send writes v as one JSON frame within the write timeout.
func (w *session) send(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return w.write(ctx, b)
}

// write writes one frame within the write timeout.
func (w *session) write(ctx context.Context, b []byte) error {
	ctx, cancel := context.WithTimeout(ctx, w.s.writeTimeout)
	defer cancel()
	return w.conn.Write(ctx, websocket.MessageText, b)
}

// writeQueued writes r and every reply queued behind it, one message
// each, under one write deadline. A subscriber the hub dropped gets no
// more of its queue: it is closed instead (errDropped).
//
// The deadline is the session's timer, armed per batch: the frames go
// out with a context that has no Done channel, so the WebSocket library
// arms nothing per message, and nothing is allocated per batch.
func (w *session) writeQueued(r *hub.Reply) error {
	w.deadline.Reset(w.s.writeTimeout)
	defer w.deadline.Stop()
	for {
		select {
		case <-w.sub.Done():
			return errDropped
		default:
		}
		if err := w.conn.Write(w.wctx, websocket.MessageText, r.Frame()); err != nil {
			return err
		}
		if w.cut.Load() {
			return errCut
		}
		select {
		case r = <-w.sub.C():
		default:
			return nil
		}
	}
}

// errDropped ends writeQueued when the subscriber was dropped; errCut
// when a write waited past the deadline (stuck).
var (
	errDropped = errors.New("api: subscriber dropped")
	errCut     = errors.New("api: subscriber reads nothing")
)

// stuck ends a write batch that waited writeTimeout: the client reads
// nothing. If room was kept for it (holdRoom), the room is freed so the
// frame being written and then a 1013 close go out (cut), and the
// connection is closed outright only if the writer is still stuck
// another writeTimeout later; else it is closed at once, with no close
// frame, which could not reach the client.
func (w *session) stuck() {
	if w.release == nil || !w.release() {
		w.conn.CloseNow()
		return
	}
	w.cut.Store(true)
	w.lastResort.Store(time.AfterFunc(w.s.writeTimeout, func() { w.conn.CloseNow() }))
}

// writeLoop sends live replies, pings the peer while idle, and closes the
// connection when the subscriber or the hub ends.
func (w *session) writeLoop(ctx context.Context) {
	w.wctx = context.WithoutCancel(ctx)
	w.deadline = time.AfterFunc(w.s.writeTimeout, w.stuck)
	w.deadline.Stop()
	defer w.deadline.Stop()
	ping := time.NewTicker(w.s.pingInterval)
	defer ping.Stop()
	for {
		select {
		case r := <-w.sub.C():
			err := w.writeQueued(r)
			if errors.Is(err, errCut) {
				w.conn.Close(closeFor(hub.ErrSlow))
				return
			}
			if errors.Is(err, errDropped) {
				w.conn.Close(closeFor(w.sub.Err()))
				return
			}
			if err != nil {
				w.conn.CloseNow()
				return
			}
			ping.Reset(w.s.pingInterval)
		case <-ping.C:
			if !w.ping(ctx) {
				w.conn.CloseNow() // dead peer
				return
			}
		case <-w.sub.Done():
			w.conn.Close(closeFor(w.sub.Err()))
			return
		case <-w.s.hub.Done():
			w.conn.Close(closeFor(nil))
			return
		case <-ctx.Done():
			return
		}
	}
}

func (w *session) ping(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, w.s.writeTimeout)
	defer cancel()
	return w.conn.Ping(ctx) == nil
}
