package hubclient

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// Reply is one reply pushed by the hub. It mirrors the hub's reply frame
// field for field (a test in the hub's api package pins the two together).
type Reply struct {
	CID    string          `json:"cid"`
	Seq    int             `json:"seq"`
	IsEnd  bool            `json:"isEnd"`
	Code   int             `json:"code"`
	Msg    string          `json:"msg"`
	Data   json.RawMessage `json:"data"`
	File   *File           `json:"file,omitempty"` // a file the reply carries; download it from URL
	Offset string          `json:"offset"`
	At     time.Time       `json:"at"` // when the hub stored the reply
}

// File is a file a reply carries, stored on the hub.
type File struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	URL    string `json:"url"`
}

// Subscription follows one cid over a WebSocket. After any disconnect it
// reconnects and resubscribes from the last offset it returned, so Next
// yields every reply once, in order. It is not safe for concurrent Next
// calls; Close may be called from any goroutine.
type Subscription struct {
	c     *Client
	cid   string
	token string

	mu     sync.Mutex
	since  string
	conn   *websocket.Conn
	closed bool
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

// Next returns the next reply, reconnecting as needed until ctx ends.
func (s *Subscription) Next(ctx context.Context) (Reply, error) {
	backoff := 50 * time.Millisecond
	for {
		conn, err := s.connection(ctx)
		if err == nil {
			var r Reply
			if r, err = s.read(ctx, conn); err == nil {
				return r, nil
			}
			s.drop(conn)
		}
		if ctx.Err() != nil || s.isClosed() {
			return Reply{}, errors.Join(ctx.Err(), err)
		}
		select {
		case <-time.After(backoff):
			backoff = min(2*backoff, 5*time.Second)
		case <-ctx.Done():
			return Reply{}, ctx.Err()
		}
	}
}

// read returns the next reply frame newer than the last offset.
func (s *Subscription) read(ctx context.Context, conn *websocket.Conn) (Reply, error) {
	for {
		var f struct {
			Type string `json:"type"`
			Reply
		}
		if err := wsjson.Read(ctx, conn, &f); err != nil {
			return Reply{}, err
		}
		if f.Type == "error" {
			return Reply{}, errors.New("callhub: " + f.Msg)
		}
		if f.Type != "reply" || f.CID != s.cid || !s.advance(f.Offset) {
			continue
		}
		return f.Reply, nil
	}
}

// advance records offset as seen if it is newer than the last one.
func (s *Subscription) advance(offset string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.since != "" && !hub.OffsetLess(s.since, offset) {
		return false
	}
	s.since = offset
	return true
}

func (s *Subscription) connection(ctx context.Context) (*websocket.Conn, error) {
	s.mu.Lock()
	conn, since, closed := s.conn, s.since, s.closed
	s.mu.Unlock()
	if closed {
		return nil, errors.New("hubclient: subscription closed")
	}
	if conn != nil {
		return conn, nil
	}
	q := url.Values{"cid": {s.cid}, "since": {since}}
	if s.token != "" {
		q.Set("token", s.token)
	}
	opts := &websocket.DialOptions{HTTPHeader: map[string][]string{}}
	if s.c.Key != "" {
		opts.HTTPHeader["Authorization"] = []string{"Bearer " + s.c.Key}
	}
	u := "ws" + strings.TrimPrefix(s.c.BaseURL, "http") + "/v1/ws?" + q.Encode()
	conn, _, err := websocket.Dial(ctx, u, opts)
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(32 << 20)
	s.mu.Lock()
	s.conn = conn
	s.mu.Unlock()
	return conn, nil
}

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

// Close ends the subscription.
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
