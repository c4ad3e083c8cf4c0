package hubclient

import (
	"context"
	"fmt"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// Acknowledging replies is opt-in. An acknowledged reply counts as seen
// live: a request whose callback has When "unacked" skips its callback.
// Next returning a reply does not mean the application handled it, so
// the SDK acknowledges nothing unless told: call Ack once a reply is
// handled, or set AutoAck to acknowledge each reply as Next returns it.

// ackFrame is the client → hub frame {"op":"ack","cid","offset"}.
type ackFrame struct {
	Op     string `json:"op"`
	CID    string `json:"cid"`
	Offset string `json:"offset"`
	Token  string `json:"token,omitempty"`
}

// ackTimeout bounds the write of an ack on Next's connection.
const ackTimeout = 10 * time.Second

// Ack acknowledges every reply of the cid up to offset, the Offset of a
// reply Next returned. While the subscription is connected the ack goes
// over its connection and Ack returns once it is written; otherwise (after
// the isEnd reply, or between reconnects) Ack opens a connection of its
// own and returns once the hub took the ack, or with the hub's refusal
// (*RefusedError, e.g. an offset past the cid's last reply).
func (s *Subscription) Ack(ctx context.Context, offset string) error {
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	f := ackFrame{Op: "ack", CID: s.cid, Offset: offset}
	if conn != nil {
		if err := wsjson.Write(ctx, conn, f); err == nil {
			return nil
		}
	}
	return s.ackAlone(ctx, f)
}

// autoAck acknowledges r on conn when AutoAck is set. An ack that cannot
// be written is dropped with the connection, never the reply: the
// callback is then sent, a callback too many rather than a reply lost.
func (s *Subscription) autoAck(conn *websocket.Conn, r Reply) {
	if !s.AutoAck {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), ackTimeout)
	defer cancel()
	if err := wsjson.Write(ctx, conn, ackFrame{Op: "ack", CID: s.cid, Offset: r.Offset}); err != nil {
		s.drop(conn)
	}
}

// ackAlone sends f over a connection of its own, subscribed at f's
// offset, and waits for the hub's answer to a ping sent after it: a pong
// means the ack was taken, an error frame is its refusal.
func (s *Subscription) ackAlone(ctx context.Context, f ackFrame) error {
	conn, err := s.dial(ctx, f.Offset, newWatchdog(s.deadAfter()))
	if err != nil {
		return err
	}
	defer conn.CloseNow()
	if err := wsjson.Write(ctx, conn, f); err != nil {
		return fmt.Errorf("ack %s: %w", s.cid, err)
	}
	if err := wsjson.Write(ctx, conn, map[string]string{"op": "ping"}); err != nil {
		return fmt.Errorf("ack %s: %w", s.cid, err)
	}
	for {
		var fr frame
		if err := wsjson.Read(ctx, conn, &fr); err != nil {
			return fmt.Errorf("ack %s: %w", s.cid, err)
		}
		switch fr.Type {
		case "pong":
			conn.Close(websocket.StatusNormalClosure, "")
			return nil
		case "error":
			return &RefusedError{CID: s.cid, Status: fr.Code, Msg: fr.Msg}
		}
	}
}
