package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/coder/websocket"
)

// replyFrame is the part of a hub → client WebSocket frame a follower
// reads: a reply, or an event of the cid's life (progress, stalled,
// resumed). The frame itself is printed as it came.
type replyFrame struct {
	Type     string          `json:"type"`
	CID      string          `json:"cid"`
	Seq      int             `json:"seq"`
	IsEnd    bool            `json:"isEnd"`
	Code     int             `json:"code"`
	Msg      string          `json:"msg"`
	Data     json.RawMessage `json:"data"`
	File     json.RawMessage `json:"file"`
	Origin   string          `json:"origin"`
	Offset   string          `json:"offset"`
	Progress *float64        `json:"progress"`
	Since    string          `json:"since"`
}

// The events a follower prints besides replies; they have no offset.
var lifecycleEvents = map[string]bool{"progress": true, "stalled": true, "resumed": true}

// follower follows one cid's replies over WebSocket until the reply with
// isEnd. After a disconnect it reconnects with since = the last offset it
// saw, so every reply is emitted once and in order. A refusal (a 4xx at
// connect, or an error frame) ends it with that error.
type follower struct {
	c      *hubClient
	cid    string
	token  string                               // the cid's wsToken; "" to use the key
	since  string                               // the last offset emitted
	emit   func(raw []byte, f replyFrame) error // called for each new reply and each event
	stderr io.Writer                            // where reconnects are noted
}

// pingEvery is how often a follower checks that its connection is alive.
const pingEvery = 20 * time.Second

// run follows until the last reply, a refusal, or ctx's end (nil: the
// operator stopped it). A hub that cannot be reached at all is an error;
// once connected, it retries until the hub is back.
func (f *follower) run(ctx context.Context) error {
	if f.since != "" && f.ended(ctx) {
		return nil // the last reply is at or before since: nothing will come
	}
	const firstBackoff = 100 * time.Millisecond
	backoff, connected := firstBackoff, false
	for {
		n, err := f.session(ctx)
		if err == nil || ctx.Err() != nil {
			return nil
		}
		if n >= 0 {
			connected, backoff = true, firstBackoff
		}
		if !connected || isRefusal(err) {
			return err
		}
		fmt.Fprintf(f.stderr, "callhub: %v; resuming after offset %q\n", err, f.since)
		select {
		case <-time.After(backoff):
			backoff = min(2*backoff, 5*time.Second)
		case <-ctx.Done():
			return nil
		}
	}
}

// session is one connection. It returns nil after the last reply, and
// otherwise why it ended and how many replies it read (-1: it never
// connected).
func (f *follower) session(ctx context.Context) (int, error) {
	conn, err := f.dial(ctx)
	if err != nil {
		return -1, err
	}
	defer conn.CloseNow()
	conn.SetReadLimit(64 << 20)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { keepAlive(ctx, conn) })
	defer wg.Wait()
	defer cancel()
	for n := 0; ; {
		_, b, err := conn.Read(ctx)
		if err != nil {
			return n, fmt.Errorf("follow %s: %w", f.cid, err)
		}
		var fr replyFrame
		if json.Unmarshal(b, &fr) != nil {
			continue // not a frame this follower knows: a newer hub's, say
		}
		end, err := f.frame(b, fr)
		if err != nil || end {
			conn.Close(websocket.StatusNormalClosure, "")
			return n, err
		}
		n++
	}
}

// frame handles one frame and reports whether it was the last reply.
func (f *follower) frame(raw []byte, fr replyFrame) (bool, error) {
	switch fr.Type {
	case "error":
		return false, &hubError{op: "follow " + f.cid, status: fr.Code, msg: fr.Msg}
	case "reply":
		if fr.CID != f.cid || (f.since != "" && !hub.OffsetLess(f.since, fr.Offset)) {
			return false, nil // another cid, or a reply a resume sent again
		}
		f.since = fr.Offset
		if err := f.emit(raw, fr); err != nil {
			return false, err
		}
		return fr.IsEnd, nil
	}
	if lifecycleEvents[fr.Type] && fr.CID == f.cid {
		return false, f.emit(raw, fr)
	}
	return false, nil // subscribed, pong, a type to come
}

// dial connects and subscribes from the last offset.
func (f *follower) dial(ctx context.Context) (*websocket.Conn, error) {
	q := url.Values{"cid": {f.cid}}
	if f.since != "" {
		q.Set("since", f.since)
	}
	if f.token != "" {
		q.Set("token", f.token)
	}
	opts := &websocket.DialOptions{HTTPHeader: http.Header{}, HTTPClient: &http.Client{Timeout: 10 * time.Second}}
	if f.c.key != "" {
		opts.HTTPHeader.Set("Authorization", "Bearer "+f.c.key)
	}
	u := "ws" + strings.TrimPrefix(f.c.base, "http") + "/v1/ws?" + q.Encode()
	conn, resp, err := websocket.Dial(ctx, u, opts)
	if err != nil && resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
		b, _ := io.ReadAll(resp.Body)
		return nil, &hubError{op: "GET /v1/ws", status: resp.StatusCode, msg: envelopeMsg(b)}
	}
	if err != nil {
		return nil, fmt.Errorf("GET /v1/ws: %w", err)
	}
	return conn, nil
}

// ended reports whether the cid's last reply (isEnd) is at or before
// f.since, from the cid's record: following from there would wait for
// nothing. When the record cannot be read, the follow finds out why.
func (f *follower) ended(ctx context.Context) bool {
	path := "/v1/requests/" + url.PathEscape(f.cid)
	if f.token != "" {
		path += "?token=" + url.QueryEscape(f.token)
	}
	raw, err := f.c.call(ctx, http.MethodGet, path, nil)
	if err != nil {
		return false
	}
	var rec struct {
		Replies []struct {
			IsEnd  bool   `json:"isEnd"`
			Offset string `json:"offset"`
		} `json:"replies"`
	}
	if json.Unmarshal(raw, &rec) != nil {
		return false
	}
	for _, r := range rec.Replies {
		if r.IsEnd && !hub.OffsetLess(f.since, r.Offset) {
			return true
		}
	}
	return false
}

// isRefusal reports whether the hub refused the follow for good: a 4xx
// other than 408 and 429.
func isRefusal(err error) bool {
	var he *hubError
	return errors.As(err, &he) && he.status >= 400 && he.status < 500 &&
		he.status != http.StatusRequestTimeout && he.status != http.StatusTooManyRequests
}

// keepAlive pings conn until ctx ends and closes it when a ping goes
// unanswered, so a dead hub is noticed and the follower resumes.
func keepAlive(ctx context.Context, conn *websocket.Conn) {
	t := time.NewTicker(pingEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, pingEvery/2)
		err := conn.Ping(pctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			conn.CloseNow()
			return
		}
	}
}
