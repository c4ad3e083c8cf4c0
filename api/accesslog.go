package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/gin-gonic/gin"
)

// accessNote is what handlers learn about a request that its access-log
// line reports: who it came from and which cid it concerns. Only the
// request's own handler goroutine writes it, before the line is written.
type accessNote struct {
	kind, id string // the authenticated principal
	cid      string
}

type accessKey struct{}

// noteContext is a request's context with its accessNote under accessKey:
// the note and the context that holds it in one allocation.
type noteContext struct {
	context.Context
	note accessNote
}

func (c *noteContext) Value(key any) any {
	if key == (accessKey{}) {
		return &c.note
	}
	return c.Context.Value(key)
}

// quietRoutes are logged at debug: probes and scrapes, not traffic.
var quietRoutes = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// accessLog is the middleware that writes one line per request: method,
// route (the pattern, never the raw path or query, which may hold
// tokens), status, duration, and the principal and cid when known.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	nc := &noteContext{Context: c.Request.Context()}
	note := &nc.note
	c.Request = c.Request.WithContext(nc)
	c.Next()
	route := c.FullPath()
	level := slog.LevelInfo
	if route == "" {
		route = "unmatched"
	} else if quietRoutes[route] {
		level = slog.LevelDebug
	}
	ctx := c.Request.Context()
	if !s.logger.Enabled(ctx, level) {
		return
	}
	// The record is built here rather than by Logger.LogAttrs, which
	// would walk the stack for a source location no handler shows.
	rec := slog.NewRecord(time.Now(), level, "request", 0)
	rec.AddAttrs(slog.String("method", c.Request.Method), slog.String("route", route),
		slog.Int("status", c.Writer.Status()), slog.Float64("durationMs", msSince(start)))
	if note.id != "" {
		rec.AddAttrs(slog.String(note.kind, note.id))
	}
	if cid := cidOf(c); cid != "" {
		rec.AddAttrs(slog.String("cid", cid))
	}
	_ = s.logger.Handler().Handle(ctx, rec) // a log line that cannot be written is not the request's error
}

// cidOf is the cid a request concerns, for its access-log line and its
// error answer: one its handler noted, else the route's :cid, else a ?cid=
// query parameter (WebSocket and SSE subscriptions).
func cidOf(c *gin.Context) string {
	if n, ok := c.Request.Context().Value(accessKey{}).(*accessNote); ok && n.cid != "" {
		return n.cid
	}
	if cid := c.Param("cid"); cid != "" {
		return cid
	}
	return c.Query("cid")
}

func msSince(t time.Time) float64 {
	return float64(time.Since(t).Microseconds()) / 1000
}

// notePrincipal tells r's access-log line who sent it.
func notePrincipal(r *http.Request, p hub.Principal) {
	if n, ok := r.Context().Value(accessKey{}).(*accessNote); ok {
		n.kind, n.id = p.Kind, p.ID
	}
}

// noteCID tells r's access-log line which cid it concerns.
func noteCID(r *http.Request, cid string) {
	if n, ok := r.Context().Value(accessKey{}).(*accessNote); ok && cid != "" {
		n.cid = cid
	}
}
