package api

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	since, from := c.GetHeader("Last-Event-ID"), "Last-Event-ID"
	if since == "" {
		since, from = c.Query("since"), "since"
	}
	if !hub.ValidOffset(since) {
		s.writeError(c, hub.Invalid(from, "malformed offset %q", since))
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
	w := &eventWriter{w: c.Writer, rc: http.NewResponseController(c.Writer), timeout: s.writeTimeout}
	if err := s.streamEvents(ctx, w, cid, since); err != nil && !errors.Is(err, context.Canceled) {
		s.logger.Debug("event stream ended", "cid", cid, "err", err)
	}
}

func (s *Server) streamEvents(ctx context.Context, w *eventWriter, cid, since string) error {
	sub := s.hub.NewSubscriber()
	defer sub.Close()
	emit := func(r hub.Reply) error { return w.event(r) }
	if _, err := sub.Recover(ctx, cid, since, emit); err != nil {
		return err
	}
	if err := sub.Live(ctx, cid, emit); err != nil {
		return err
	}
	if err := w.send(""); err != nil {
		return err
	}
	tick := time.NewTicker(sseKeepAlive)
	defer tick.Stop()
	for {
		select {
		case r := <-sub.C():
			if err := w.event(*r); err != nil {
				return err
			}
		case <-tick.C:
			if err := w.send(": keep-alive\n\n"); err != nil {
				return err
			}
		case <-sub.Done():
			return sub.Err() // too slow: the client reconnects with Last-Event-ID
		case <-ctx.Done():
			return ctx.Err()
		case <-s.hub.Done():
			return nil
		}
	}
}

// eventWriter writes an event stream, each write and its flush within
// timeout: a client that stops reading is cut off instead of holding its
// handler (and a shutdown) forever.
type eventWriter struct {
	w       gin.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

// event writes a reply (id = its offset) or a lifecycle event (named by
// its type: progress, stalled, resumed; no id, it is not stored).
func (e *eventWriter) event(r hub.Reply) error {
	if ev := r.Event(); ev != "" {
		return e.send(fmt.Sprintf("event: %s\ndata: %s\n\n", ev, r.Frame()))
	}
	return e.send(fmt.Sprintf("id: %s\nevent: reply\ndata: %s\n\n", r.Offset, r.Frame()))
}

// send writes s and flushes it under a write deadline, cleared after so
// that an idle stream waits for its next event without one.
func (e *eventWriter) send(s string) error {
	// Unsupported (HTTP/2) means the server's own limits apply.
	_ = e.rc.SetWriteDeadline(time.Now().Add(e.timeout))
	if _, err := io.WriteString(e.w, s); err != nil {
		return err
	}
	if err := e.rc.Flush(); err != nil {
		return err
	}
	_ = e.rc.SetWriteDeadline(time.Time{})
	return nil
}
