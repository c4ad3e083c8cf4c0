package hubclient

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

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
	conn, err := s.dial(ctx, since)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed { // Close ran while dialling
		conn.CloseNow()
		return nil, ErrClosed
	}
	s.conn = conn
	return conn, nil
}

// dial opens GET /v1/ws?cid=&since=&token= and turns a refused upgrade
// into a *RefusedError.
func (s *Subscription) dial(ctx context.Context, since string) (*websocket.Conn, error) {
	q := url.Values{"cid": {s.cid}}
	if since != "" {
		q.Set("since", since)
	}
	if s.token != "" {
		q.Set("token", s.token)
	}
	opts := &websocket.DialOptions{HTTPClient: s.c.HTTP, HTTPHeader: http.Header{}}
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
		s.conn = nil
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
	conn := s.conn
	s.conn = nil
	s.mu.Unlock()
	if conn != nil {
		return conn.Close(websocket.StatusNormalClosure, "")
	}
	return nil
}
