package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/gin-gonic/gin"
)

// sseKeepAlive is how often an idle event stream gets a comment line, so
// proxies keep it open.
const sseKeepAlive = 15 * time.Second

// events is GET /v1/requests/{cid}/events: one Server-Sent Event per
// reply, id = offset, resumable with Last-Event-ID.
func (s *Server) events(c *gin.Context) {
	cid := c.Param("cid")
	ctx := c.Request.Context()
	if err := s.canRead(ctx, c.Request, cid, ""); err != nil {
		s.writeError(c, err)
		return
	}
	since := c.GetHeader("Last-Event-ID")
	if since == "" {
		since = c.Query("since")
	}
	if !hub.ValidOffset(since) {
		s.writeError(c, hub.Invalid("Last-Event-ID", "malformed offset %q", since))
		return
	}
	s.streams.Add(1)
	defer s.streams.Done()
	defer s.metrics.stream("sse")()
	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	if err := s.streamEvents(ctx, c.Writer, cid, since); err != nil && !errors.Is(err, context.Canceled) {
		s.logger.Debug("event stream ended", "cid", cid, "err", err)
	}
}

func (s *Server) streamEvents(ctx context.Context, w gin.ResponseWriter, cid, since string) error {
	sub := s.hub.NewSubscriber()
	defer sub.Close()
	emit := func(r hub.Reply) error { return writeEvent(w, r) }
	if _, err := sub.Recover(ctx, cid, since, emit); err != nil {
		return err
	}
	if err := sub.Live(ctx, cid, emit); err != nil {
		return err
	}
	w.Flush()
	tick := time.NewTicker(sseKeepAlive)
	defer tick.Stop()
	for {
		select {
		case r := <-sub.C():
			if err := writeEvent(w, *r); err != nil {
				return err
			}
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return err
			}
			w.Flush()
		case <-sub.Done():
			return sub.Err() // too slow: the client reconnects with Last-Event-ID
		case <-ctx.Done():
			return ctx.Err()
		case <-s.hub.Done():
			return nil
		}
	}
}

func writeEvent(w gin.ResponseWriter, r hub.Reply) error {
	b, err := json.Marshal(wireReply(r))
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "id: %s\nevent: reply\ndata: %s\n\n", r.Offset, b); err != nil {
		return err
	}
	w.Flush()
	return nil
}

// replyFrame is a reply as clients see it, in WebSocket frames and events.
type replyFrame struct {
	Type   string          `json:"type,omitempty"`
	CID    string          `json:"cid"`
	Seq    int             `json:"seq"`
	IsEnd  bool            `json:"isEnd"`
	Code   int             `json:"code"`
	Msg    string          `json:"msg"`
	Data   json.RawMessage `json:"data,omitempty"`
	File   *hub.FileRef    `json:"file,omitempty"`
	Offset string          `json:"offset"`
	At     time.Time       `json:"at"`
}

func wireReply(r hub.Reply) replyFrame {
	return replyFrame{Type: "reply", CID: r.CID, Seq: r.Seq, IsEnd: r.IsEnd, Code: r.Code,
		Msg: r.Msg, Data: r.Data, File: r.File, Offset: r.Offset, At: r.At}
}
