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
func (w *session) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return w.write(b)
}

// write writes one frame of the read loop within the write timeout, past
// which the connection is closed. The frame goes out with a context that
// has no Done channel: the library keeps a write's context until the next
// one, and a request's or a timer's would stay with an idle connection.
func (w *session) write(b []byte) error {
	t := time.AfterFunc(w.s.writeTimeout, func() { w.conn.CloseNow() })
	defer t.Stop()
	w.wrote()
	return w.conn.Write(context.Background(), websocket.MessageText, b)
}

// wake asks for the writer: it starts one unless one runs. The
// subscriber calls it when its inbox gets a reply or it closes, the ping
// wheel when a ping is due or the hub closes. It never blocks.
func (w *session) wake() {
	if w.ended.Load() {
		return
	}
	w.kicks.Add(1)
	if w.wmu.TryLock() {
		w.s.startWriter(w)
	}
}

// flush is the writer, holding wmu: it writes what is waiting, then
// ends, unless a wake came meanwhile.
func (w *session) flush() {
	for {
		k := w.kicks.Load()
		if !w.ended.Load() && !w.gone {
			w.gone = !w.writePending()
		}
		w.wmu.Unlock()
		if w.kicks.Load() == k || !w.wmu.TryLock() {
			return
		}
	}
}

// writePending sends the live replies queued and a ping due, and closes
// the connection when the subscriber or the hub ends; it reports whether
// the connection stays open.
func (w *session) writePending() bool {
	if w.cut.Load() {
		w.conn.Close(closeFor(hub.ErrSlow))
		return false
	}
	if w.closing.Load() {
		w.conn.Close(closeFor(nil))
		return false
	}
	if r := w.sub.Next(); r != nil {
		err := w.writeQueued(r)
		switch {
		case errors.Is(err, errCut):
			w.conn.Close(closeFor(hub.ErrSlow))
			return false
		case errors.Is(err, errDropped):
			w.conn.Close(closeFor(w.sub.Err()))
			return false
		case err != nil:
			w.conn.CloseNow()
			return false
		}
		w.wrote()
	}
	select {
	case <-w.sub.Done():
		w.conn.Close(closeFor(w.sub.Err()))
		return false
	default:
	}
	if w.pingDue.Swap(false) {
		if !w.ping() {
			w.conn.CloseNow() // dead peer
			return false
		}
		w.wrote()
	}
	return true
}

// writeQueued writes r and every reply queued behind it, one message
// each, under one write deadline. A subscriber the hub dropped gets no
// more of its queue: it is closed instead (errDropped).
//
// The deadline is the session's timer, armed per batch: the frames go
// out with a context that has no Done channel, so the WebSocket library
// arms nothing per message, and nothing is allocated per batch.
func (w *session) writeQueued(r *hub.Reply) error {
	if w.deadline == nil {
		w.deadline = time.AfterFunc(w.s.writeTimeout, w.stuck)
	} else {
		w.deadline.Reset(w.s.writeTimeout)
	}
	defer w.deadline.Stop()
	for ; r != nil; r = w.sub.Next() {
		select {
		case <-w.sub.Done():
			return errDropped
		default:
		}
		if err := w.conn.Write(context.Background(), websocket.MessageText, r.Frame()); err != nil {
			return err
		}
		if w.cut.Load() {
			return errCut
		}
	}
	return nil
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
// socket is closed another writeTimeout later (lastResort), whether the
// writer is still stuck or waits in the close handshake for a client that
// reads nothing; else it is closed at once, with no close frame, which
// could not reach the client.
//
// The cut is set before the room is freed, so that the write the room
// unblocks sees it, and the writer is woken for it: the batch may have
// ended as the timer fired, and then only a writer that finds cut set
// (writePending) sends the 1013 the room was freed for.
func (w *session) stuck() {
	if w.release == nil {
		w.conn.CloseNow()
		return
	}
	w.cut.Store(true)
	if !w.release() {
		w.conn.CloseNow()
		return
	}
	w.lastResort.Store(time.AfterFunc(w.s.writeTimeout, func() { w.sock.Close() }))
	w.wake()
}

// ping pings the peer and waits for its pong, within the write timeout.
func (w *session) ping() bool {
	ctx, cancel := context.WithTimeout(context.Background(), w.s.writeTimeout)
	defer cancel()
	return w.conn.Ping(ctx) == nil
}
