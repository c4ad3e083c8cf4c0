package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/filestore"
	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// Config configures a Server.
type Config struct {
	Hub *hub.Hub // Required.
	// Deliveries serves the admin delivery endpoints. Optional.
	Deliveries *callback.Deliverer
	Keys       []Key // callers', services' and the admin's credentials
	// MaxBodyBytes bounds a request body. Defaults to 1 MiB.
	MaxBodyBytes int64
	// Blobs spools uploads and keeps files replies carry. Nil refuses
	// file transfer.
	Blobs *filestore.Blobs
	// MaxFileBytes bounds one file. Defaults to 1 GiB.
	MaxFileBytes int64
	// RatePerCaller bounds each caller's requests per second on this
	// instance (429 beyond). 0 means unbounded.
	RatePerCaller float64
	// UI serves GET / and everything no route claims. Optional.
	UI http.Handler
	// Client serves GET and HEAD /callhub.js, the browser client, whatever
	// UI is (web.Client). Optional.
	Client http.Handler
	// Demo is mounted under /demo/. Optional.
	Demo http.Handler
	// PingInterval is how often idle WebSockets are pinged. Defaults to 30s.
	PingInterval time.Duration
	// WriteTimeout bounds one WebSocket or SSE write. Defaults to 10s.
	WriteTimeout time.Duration
	// ReadTimeout is the longest wait for the next bytes of a request's
	// head or body (see HTTPServer). Defaults to 30s.
	ReadTimeout time.Duration
	// IdleTimeout is how long a kept-alive connection waits for its next
	// request. Defaults to 120s.
	IdleTimeout time.Duration
	// MaxConnsPerClient caps one client address's open connections (see
	// Listener). 0 means no cap.
	MaxConnsPerClient int
	Logger            *slog.Logger // Defaults to discarding.
	// Compat configures files by path for the old middleware's clients.
	Compat Compat
	// Metrics are served on /metrics; pass the same Metrics as the hub's
	// and the deliverer's Observer. Defaults to new ones, which see only
	// HTTP, streams, subscriptions and the delivery queue.
	Metrics *Metrics
}

// Server is the HTTP front of a hub. It is safe for concurrent use. Its
// owner calls Wait after closing the hub, for streaming handlers to end.
type Server struct {
	hub               *hub.Hub
	keys              []Key
	maxBody           int64
	maxFile           int64
	blobs             *filestore.Blobs
	limits            *callerLimits
	pingInterval      time.Duration
	writeTimeout      time.Duration
	readTimeout       time.Duration
	idleTimeout       time.Duration
	maxConnsPerClient int
	logger            *slog.Logger
	deliveries        *callback.Deliverer
	streams           sync.WaitGroup // WebSocket and SSE handlers, the ping wheel
	sessions          sessions       // open WebSockets
	writers           writers        // idle WebSocket writers
	metrics           *Metrics
	rates             rates
	engine            *gin.Engine
	compat            Compat
	outage            *outage
}

// New returns a Server for cfg.
func New(cfg Config) *Server {
	s := &Server{hub: cfg.Hub, keys: cfg.Keys, maxBody: cfg.MaxBodyBytes,
		maxFile: cfg.MaxFileBytes, blobs: cfg.Blobs, compat: cfg.Compat,
		limits:       &callerLimits{rate: cfg.RatePerCaller, by: map[string]*rate.Limiter{}},
		pingInterval: cfg.PingInterval, writeTimeout: cfg.WriteTimeout, logger: cfg.Logger, deliveries: cfg.Deliveries,
		readTimeout: cfg.ReadTimeout, idleTimeout: cfg.IdleTimeout, maxConnsPerClient: cfg.MaxConnsPerClient,
		writers: newWriters()}
	if s.maxBody <= 0 {
		s.maxBody = 1 << 20
	}
	if s.maxFile <= 0 {
		s.maxFile = 1 << 30
	}
	if s.pingInterval <= 0 {
		s.pingInterval = 30 * time.Second
	}
	if s.writeTimeout <= 0 {
		s.writeTimeout = 10 * time.Second
	}
	if s.readTimeout <= 0 {
		s.readTimeout = 30 * time.Second
	}
	if s.idleTimeout <= 0 {
		s.idleTimeout = 120 * time.Second
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.metrics = cfg.Metrics; s.metrics == nil {
		s.metrics = NewMetrics()
	}
	s.outage = &outage{logger: s.logger, refusals: s.metrics.refusals}
	s.metrics.registry.MustRegister(stateCollector{hub: cfg.Hub, deliveries: cfg.Deliveries, now: time.Now})
	s.engine = s.routes(cfg)
	return s
}

// Handler returns the HTTP handler of every endpoint.
func (s *Server) Handler() http.Handler { return s.engine }

// Wait blocks until every WebSocket and SSE handler has returned, and the
// ping wheel, which runs from the first WebSocket until the hub closes:
// call it after closing the hub.
func (s *Server) Wait() { s.streams.Wait() }

func (s *Server) routes(cfg Config) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.Use(s.accessLog, gin.CustomRecoveryWithWriter(nil, s.recovered), s.metrics.observe, traceContext, s.rates.count,
		s.storeAnswered, s.readDeadline, s.limitBody)
	e.GET("/healthz", s.healthz)
	e.GET("/metrics", gin.WrapH(s.metrics.handler()))
	e.GET("/openapi.yaml", s.openapi)
	e.GET("/readyz", s.readyz)
	v1 := e.Group("/v1")
	v1.POST("/requests", s.postRequest)
	v1.GET("/requests/:cid", s.getRequest)
	v1.GET("/requests/:cid/events", s.events)
	v1.DELETE("/requests/:cid", s.cancelRequest)
	v1.POST("/replies/:cid", s.postReply)
	v1.POST("/replies/:cid/heartbeat", s.heartbeat)
	v1.GET("/ws", s.ws)
	v1.GET("/files/:id", s.getFile)
	admin := v1.Group("", s.admin)
	admin.GET("/requests", s.listRequests)
	admin.GET("/stats", s.stats)
	admin.POST("/ws/tickets", s.wsTicket)
	admin.GET("/endpoints", s.listEndpoints)
	admin.GET("/services", s.listServices)
	admin.GET("/deliveries/:id", s.getDelivery)
	admin.GET("/deliveries", s.listDeliveries)
	admin.POST("/deliveries/retry", s.retryDead)
	admin.POST("/deliveries/:id/retry", s.retryDelivery)
	admin.POST("/endpoints/enable", s.enableEndpoint)
	e.POST("/msg", s.legacyMsg)
	e.POST("/file", s.legacyFile)
	e.POST("/download", s.legacyDownload)
	e.GET("/data", s.legacyData)
	e.POST("/data", s.legacyData)
	if cfg.Demo != nil {
		e.Any("/demo/*path", gin.WrapH(http.StripPrefix("/demo", cfg.Demo)))
	}
	if cfg.Client != nil {
		e.GET("/callhub.js", gin.WrapH(cfg.Client))
		e.HEAD("/callhub.js", gin.WrapH(cfg.Client))
	}
	e.NoRoute(s.noRoute(cfg.UI))
	return e
}

func (s *Server) noRoute(ui http.Handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		if ui != nil && c.Request.Method == http.MethodGet && !strings.HasPrefix(c.Request.URL.Path, "/v1/") {
			ui.ServeHTTP(c.Writer, c.Request)
			return
		}
		s.writeError(c, hub.Errorf(hub.ErrNotFound, "no route %s %s", c.Request.Method, c.Request.URL.Path))
	}
}

// recovered answers a panic as an internal error instead of a dropped
// connection; it is logged by writeError.
func (s *Server) recovered(c *gin.Context, err any) {
	s.logger.Error("panic in handler", "path", c.Request.URL.Path, "panic", err)
	c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"code": 500, "msg": "internal error"})
}

// limitBody bounds every body: maxBody, or for a multipart body (which
// carries a file) maxFile plus maxBody for the other parts.
func (s *Server) limitBody(c *gin.Context) {
	if c.Request.Body != nil {
		limit := s.maxBody
		if isMultipart(c.Request) {
			limit += s.maxFile
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	}
	c.Next()
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"code": 0, "msg": "ok"})
}

// readyTimeout bounds /readyz's check of the store, so a stalled store
// reads as not ready within a second instead of hanging the probe.
const readyTimeout = 500 * time.Millisecond

// readyz answers 200 while the store takes writes and this instance's
// pub/sub receives; else 503 saying which is wrong. A store that takes no
// write is a store outage (logged once, see outage); a deaf pub/sub
// refuses no request, and the store logs its replacement.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
	defer cancel()
	err := s.hub.Ready(ctx)
	switch {
	case errors.Is(err, hub.ErrNotReceiving):
		c.JSON(http.StatusServiceUnavailable, gin.H{"code": 503, "msg": "pub/sub not receiving"})
		return
	case err != nil:
		s.outage.probeFailed(c.Request.Context(), err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"code": 503, "msg": "store unreachable"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"code": 0, "msg": "ready"})
}
