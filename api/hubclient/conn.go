package hubclient

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// connection returns the current connection, dialling a new one
// subscribed from the last offset when there is none.
func (s *Subscription) connection(ctx context.Context) (*websocket.Conn, error) {
	s.mu.Lock()
	conn, since, closed, ended := s.conn, s.since, s.closed, s.ended
	s.mu.Unlock()
	switch {
	case closed:
		return nil, ErrClosed
	case ended:
		return nil, io.EOF
	case conn != nil:
		return conn, nil
	}
	watch := newWatchdog(s.deadAfter())
	conn, err := s.dial(ctx, since, watch)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed { // Close ran while dialling
		conn.CloseNow()
		return nil, ErrClosed
	}
	s.conn, s.watch = conn, watch
	watch.start(func() { conn.CloseNow() }) // Next's read fails; it reconnects
	return conn, nil
}

func (s *Subscription) deadAfter() time.Duration {
	if d := s.c.DeadAfter; d > 0 {
		return d
	}
	return DefaultDeadAfter
}

// forget drops the current connection and its watchdog, returning the
// connection; the caller closes it.
func (s *Subscription) forget() *websocket.Conn {
	conn := s.conn
	if s.watch != nil {
		s.watch.stop()
	}
	s.conn, s.watch = nil, nil
	return conn
}

// dial opens GET /v1/ws?cid=&since=&token= and turns a refused upgrade
// into a *RefusedError. The hub's pings count as traffic for watch.
func (s *Subscription) dial(ctx context.Context, since string, watch *watchdog) (*websocket.Conn, error) {
	q := url.Values{"cid": {s.cid}}
	if since != "" {
		q.Set("since", since)
	}
	if s.token != "" {
		q.Set("token", s.token)
	}
	opts := &websocket.DialOptions{HTTPClient: s.c.HTTP, HTTPHeader: http.Header{},
		OnPingReceived: func(context.Context, []byte) bool { watch.seen(); return true }}
	if s.c.Key != "" {
		opts.HTTPHeader.Set("Authorization", "Bearer "+s.c.Key)
	}
	u := "ws" + strings.TrimPrefix(s.c.BaseURL, "http") + "/v1/ws?" + q.Encode()
	conn, resp, err := websocket.Dial(ctx, u, opts)
	if err != nil {
		if resp != nil && refusal(resp.StatusCode) {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
			return nil, &RefusedError{CID: s.cid, Status: resp.StatusCode, Msg: envelopeMsg(b)}
		}
		return nil, fmt.Errorf("follow %s: %w", s.cid, err)
	}
	conn.SetReadLimit(32 << 20)
	return conn, nil
}

// drop closes conn and forgets it, if it is still the current one.
func (s *Subscription) drop(conn *websocket.Conn) {
	conn.CloseNow()
	s.mu.Lock()
	if s.conn == conn {
		s.forget()
	}
	s.mu.Unlock()
}

// Drop closes the current connection without ending the subscription:
// the next Next reconnects and resumes from the last offset.
func (s *Subscription) Drop() {
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	if conn != nil {
		s.drop(conn)
	}
}

func (s *Subscription) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Close ends the subscription; a Next in progress returns ErrClosed.
func (s *Subscription) Close() error {
	s.mu.Lock()
	s.closed = true
	conn := s.forget()
	s.mu.Unlock()
	if conn != nil {
		return conn.Close(websocket.StatusNormalClosure, "")
	}
	return nil
}
