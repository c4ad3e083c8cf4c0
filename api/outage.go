package api

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// outageWarnEvery is the least time between two "still unavailable"
// warnings of one outage.
const outageWarnEvery = 10 * time.Second

// outage turns the store's refusals into a few log lines: an outage is
// logged at ERROR once, when the first request meets it, and once more,
// at INFO, when a request or /readyz finds the store answering again. In
// between every refused request is counted (refusals), and a WARN at
// most every outageWarnEvery says how many were refused since the last
// line. It is safe for concurrent use.
type outage struct {
	logger   *slog.Logger
	refusals prometheus.Counter
	active   atomic.Bool // read without the lock on every answered request

	mu       sync.Mutex
	since    time.Time // when this outage began
	lastLine time.Time // when its last line was logged
	total    int       // refusals of this outage
	unlogged int       // refusals since its last line
}

// refused notes that a request met the store unavailable (err).
func (o *outage) refused(ctx context.Context, err error, attrs ...any) {
	o.refusals.Inc()
	o.down(ctx, err, 1, attrs...)
}

// probeFailed notes that /readyz found the store unavailable: an outage
// begins, or goes on, without a request refused.
func (o *outage) probeFailed(ctx context.Context, err error) {
	o.down(ctx, err, 0)
}

func (o *outage) down(ctx context.Context, err error, n int, attrs ...any) {
	now := time.Now()
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.active.Load() {
		o.active.Store(true)
		o.since, o.lastLine, o.total, o.unlogged = now, now, n, 0
		o.logger.ErrorContext(ctx, "store unavailable: refusing requests (503) until it answers again",
			append(attrs, "err", err)...)
		return
	}
	o.total += n
	o.unlogged += n
	if now.Sub(o.lastLine) < outageWarnEvery {
		return
	}
	o.logger.WarnContext(ctx, "store still unavailable", "since", o.since, "refused", o.unlogged, "err", err)
	o.lastLine, o.unlogged = now, 0
}

// up notes that the store answered: an outage, if one is on, ends.
func (o *outage) up(ctx context.Context) {
	if !o.active.Load() {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.active.Load() {
		return
	}
	o.active.Store(false)
	o.logger.InfoContext(ctx, "store available again",
		"downFor", time.Since(o.since).Round(time.Millisecond).String(), "refused", o.total)
}

// storeFree are the routes that answer without the store: their success
// says nothing of it.
var storeFree = map[string]bool{"": true, "/healthz": true, "/metrics": true, "/openapi.yaml": true,
	"/callhub.js": true, "/demo/*path": true}

// storeAnswered ends an outage when a request that reads or writes the
// store succeeds.
func (s *Server) storeAnswered(c *gin.Context) {
	c.Next()
	if st := c.Writer.Status(); st >= 200 && st < 300 && !storeFree[c.FullPath()] {
		s.outage.up(c.Request.Context())
	}
}
