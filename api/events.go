package api

import (
	"context"
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
	if _, err := s.canRead(ctx, c.Request, cid); err != nil {
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
	if _, err := fmt.Fprintf(w, "id: %s\nevent: reply\ndata: %s\n\n", r.Offset, r.Frame()); err != nil {
		return err
	}
	w.Flush()
	return nil
}
