package hubclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// ErrClosed is what Next returns after Close.
var ErrClosed = errors.New("hubclient: subscription closed")

// RefusedError is the hub refusing to let a subscription follow its cid:
// a 4xx answer to the WebSocket upgrade (a bad or expired token, an
// unknown cid, a malformed since) or a 4xx error frame for the cid.
// Reconnecting would get the same answer, so Next returns it instead.
// 408 and 429 are not refusals: Next retries them.
type RefusedError struct {
	CID    string
	Status int    // the HTTP status, or the error frame's code
	Msg    string // the hub's message
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("callhub: follow %s refused: %d %s", e.CID, e.Status, e.Msg)
}

// refusal reports whether the hub's status means "never": a 4xx other
// than 408 and 429.
func refusal(status int) bool {
	return status >= 400 && status < 500 &&
		status != http.StatusRequestTimeout && status != http.StatusTooManyRequests
}

const (
	minBackoff = 50 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// Subscription follows one cid over a WebSocket. After any disconnect it
// reconnects and resubscribes from the last offset it returned, so Next
// yields every reply once, in order. It is not safe for concurrent Next
// calls; Close may be called from any goroutine, and the caller must call
// it when done.
type Subscription struct {
	// AutoAck acknowledges each reply as Next returns it (see Ack). Off
	// by default; set it before the first Next.
	AutoAck bool
	// OnReconnect, if set, is called by Next before each reconnect, with
	// why the connection ended and the offset it resumes after (a log
	// line, a status in a UI). Set it before the first Next.
	OnReconnect func(err error, since string)

	c     *Client
	cid   string
	token string

	mu     sync.Mutex
	since  string
	conn   *websocket.Conn
	watch  *watchdog // conn's
	closed bool
	ended  bool // Next returned the isEnd reply
}

// Follow returns a subscription to cid's replies after since ("" for all),
// authorised by a ws token (or the client's key when token is "").
func (c *Client) Follow(cid, token, since string) *Subscription {
	return &Subscription{c: c, cid: cid, token: token, since: since}
}

// Offset is the offset of the last reply Next returned.
func (s *Subscription) Offset() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.since
}

// Next returns the next reply, skipping the events NextEvent would
// return besides. It reconnects after a disconnect, with backoff, until
// ctx ends. After it has returned the reply with IsEnd it returns io.EOF.
// It returns a *RefusedError when the hub refuses the subscription,
// ErrClosed after Close, and ctx's error when ctx ends.
func (s *Subscription) Next(ctx context.Context) (Reply, error) {
	for {
		ev, err := s.NextEvent(ctx)
		if err != nil || ev.Type == EventReply {
			return ev.Reply, err
		}
	}
}

// NextEvent returns the next event: a reply (Type EventReply, as Next
// returns it) or a progress, stalled or resumed event of the cid. It
// ends, reconnects and fails as Next does. Frames of types it does not
// know are skipped.
func (s *Subscription) NextEvent(ctx context.Context) (Event, error) {
	backoff := minBackoff
	for {
		ev, err := s.next(ctx)
		var refused *RefusedError
		switch {
		case err == nil:
			return ev, nil
		case err == io.EOF || errors.Is(err, ErrClosed) || errors.As(err, &refused):
			return Event{}, err
		case ctx.Err() != nil:
			return Event{}, ctx.Err()
		}
		if s.OnReconnect != nil {
			s.OnReconnect(err, s.Offset())
		}
		wait := backoff/2 + rand.N(backoff/2+1) // jitter, so a restart is not a stampede
		backoff = min(2*backoff, maxBackoff)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return Event{}, ctx.Err()
		}
	}
}

// next reads one event over the current connection, dialling one first
// when there is none.
func (s *Subscription) next(ctx context.Context) (Event, error) {
	conn, err := s.connection(ctx)
	if err != nil {
		return Event{}, err
	}
	ev, err := s.read(ctx, conn)
	if err != nil {
		s.drop(conn)
		if s.isClosed() {
			return Event{}, ErrClosed
		}
		return Event{}, err
	}
	if ev.Type == EventReply {
		s.autoAck(conn, ev.Reply)
	}
	if ev.Reply.IsEnd {
		s.mu.Lock()
		s.ended = true
		s.forget()
		s.mu.Unlock()
		conn.Close(websocket.StatusNormalClosure, "")
	}
	return ev, nil
}

// frame is a hub → client frame: a reply, or an error's code and msg.
type frame struct {
	Type string `json:"type"`
	Reply
}

// read returns the next event of the cid: a reply frame newer than the
// last offset, or a lifecycle event. Other frames are skipped.
func (s *Subscription) read(ctx context.Context, conn *websocket.Conn) (Event, error) {
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			return Event{}, fmt.Errorf("follow %s: %w", s.cid, err)
		}
		s.seen()
		var f frame
		if json.Unmarshal(b, &f) != nil {
			f = frame{} // not a reply; maybe an event of a kind to come
		}
		switch {
		case f.Type == "error" && (f.CID == s.cid || f.CID == "") && refusal(f.Code):
			return Event{}, &RefusedError{CID: s.cid, Status: f.Code, Msg: f.Msg}
		case f.Type == "error":
			return Event{}, fmt.Errorf("follow %s: hub error %d %s", s.cid, f.Code, f.Msg)
		case f.Type == EventReply && f.CID == s.cid && s.advance(f.Offset):
			return Event{Type: EventReply, CID: s.cid, Reply: f.Reply, Raw: b}, nil
		}
		if ev, ok := decodeEvent(b); ok && ev.CID == s.cid {
			ev.Raw = b
			return ev, nil
		}
	}
}

// seen tells the current connection's watchdog that a frame came.
func (s *Subscription) seen() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.watch != nil {
		s.watch.seen()
	}
}

// advance records offset as seen if it is newer than the last one.
func (s *Subscription) advance(offset string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.since != "" && !offsetLess(s.since, offset) {
		return false
	}
	s.since = offset
	return true
}
