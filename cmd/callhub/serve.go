package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/callhub/callhub/api"
	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/demo"
	"github.com/callhub/callhub/hub/filestore"
	"github.com/callhub/callhub/hub/memstore"
	"github.com/callhub/callhub/hub/redisstore"
	"github.com/callhub/callhub/web"
)

// drainTimeout bounds the graceful part of a shutdown.
const drainTimeout = 30 * time.Second

const serveUsage = `usage: callhub [serve] [--config FILE] [--listen ADDR]

Run the hub until SIGTERM, then drain. With no config: dev mode on
127.0.0.1:8888 (in memory, no keys, the demo service echo).
`

// serve runs the hub until ctx ends, then drains.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", serveUsage)
	configPath := fs.String("config", getenv("CALLHUB_CONFIG"), "YAML config `file` (env CALLHUB_CONFIG; default: dev mode)")
	listen := fs.String("listen", "", "listen `address`, overrides the config's listen")
	pos, err := fs.parse(args, stdout)
	if err != nil {
		return err
	}
	if err := fs.wantArgs(pos, 0, ""); err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath, getenv)
	if err != nil {
		return err
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	if err := cfg.checkExposed(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	app, err := build(cfg, ln.Addr(), stderr)
	if err != nil {
		ln.Close()
		return err
	}
	app.banner(stdout)
	return app.run(ctx, ln)
}

// app is the wired hub: everything serve starts and must stop.
type app struct {
	cfg       *Config
	dev       bool
	public    string
	logs      *logBuffer // the logger's output, written out at the end
	logger    *slog.Logger
	hub       *hub.Hub
	deliverer *callback.Deliverer
	blobs     *filestore.Blobs
	api       *api.Server
	metrics   *api.Metrics
	tracer    hub.Tracer
	demo      *demo.Service
	closers   []func() error // backend connections, closed last
}

func build(cfg *Config, addr net.Addr, stderr io.Writer) (_ *app, err error) {
	a := &app{cfg: cfg, dev: cfg.isDev(), public: publicURL(cfg, addr), logs: newLogBuffer(stderr),
		metrics: api.NewMetrics()}
	a.logger = newLogger(a.logs, cfg.Log)
	libraryLogs(a.logger)
	defer func() {
		if err != nil {
			a.logs.Close()
		}
	}()
	secret, err := a.secret()
	if err != nil {
		return nil, err
	}
	if err := a.tracing(); err != nil {
		return nil, err
	}
	store, broker, queue, health, err := a.backend()
	if err != nil {
		return nil, err
	}
	dcfg := deliveryConfig(cfg, queue, a.logger)
	dcfg.Health, dcfg.Observer, dcfg.Tracer = health, a.metrics, a.tracer
	dcfg.Acks = store // callback.when unacked: skip what a subscriber acknowledged
	a.deliverer, err = callback.New(dcfg)
	if err != nil {
		return nil, err
	}
	services := hubServices(cfg)
	if a.dev || cfg.Demo {
		a.demo = &demo.Service{Logger: a.logger}
		services = append(services, hub.Service{ID: "echo", BaseURL: a.public + "/demo"})
	}
	a.hub, err = hub.New(hub.Config{Open: a.dev, AdminKeyed: cfg.Admin.APIKey != "", Store: store, Broker: broker, Secret: secret, Services: services,
		PublicURL: a.public, SendBuffer: cfg.Limits.WSSendBuffer, Deliveries: a.deliverer, Logger: a.logger,
		Observer: a.metrics, Tracer: a.tracer})
	if err != nil {
		return nil, err
	}
	keys, err := apiKeys(cfg)
	if err != nil {
		return nil, err
	}
	if a.blobs, err = a.fileStore(); err != nil {
		return nil, err
	}
	apiCfg := api.Config{Hub: a.hub, Deliveries: a.deliverer, UI: userInterface(cfg.UI), Client: web.Client(), Keys: keys,
		Blobs: a.blobs, MaxFileBytes: int64(cfg.Limits.MaxFileBytes), RatePerCaller: cfg.Limits.RatePerCaller, MaxBodyBytes: int64(cfg.Limits.MaxBodyBytes), Logger: a.logger,
		Compat: apiCompat(cfg), Metrics: a.metrics,
		ReadTimeout: cfg.Limits.ReadTimeout.D(), WriteTimeout: cfg.Limits.WriteTimeout.D(), IdleTimeout: cfg.Limits.IdleTimeout.D(), MaxConnsPerClient: cfg.Limits.MaxConnsPerClient}
	if a.demo != nil {
		apiCfg.Demo = a.demo
	}
	a.api = api.New(apiCfg)
	return a, nil
}

// userInterface is what GET / serves for the ui setting; nil answers 404.
func userInterface(ui string) http.Handler {
	switch ui {
	case "console":
		return web.Console()
	case "playground":
		return web.Handler()
	}
	return nil
}

func (a *app) secret() ([]byte, error) {
	if a.cfg.Secret != "" {
		return []byte(a.cfg.Secret), nil
	}
	if a.cfg.Store == "redis" {
		return nil, errors.New("secret: required with store redis, so every instance signs tokens alike")
	}
	b := make([]byte, 32)
	rand.Read(b)
	if !a.dev {
		a.logger.Warn("no secret configured: tokens are signed with a random one and die with this process")
	}
	return b, nil
}

// backend opens the store, broker and delivery queue the config names.
func (a *app) backend() (hub.Store, hub.Broker, callback.Queue, callback.Health, error) {
	switch a.cfg.Store {
	case "", "memory":
		ret := a.cfg.Retention.D()
		return &memstore.Store{Retention: ret}, &memstore.Broker{}, &memstore.Queue{Retention: ret}, &memstore.Health{Retention: ret}, nil
	case "redis":
		r := a.cfg.Redis
		s, err := redisstore.Open(redisstore.Config{URL: r.URL, Addrs: r.Addrs, MasterName: r.MasterName,
			Password: r.Password, KeyPrefix: r.KeyPrefix, Retention: a.cfg.Retention.D(),
			OnError: a.metrics.RedisError, OnReconnect: a.metrics.PubSubReconnect, OnClockOffset: a.metrics.ClockOffset,
			WaitReplicas: r.WaitReplicas, WaitTimeout: r.WaitTimeout.D(), Timeout: r.Timeout.D(), PoolSize: r.PoolSize, Logger: a.logger})
		if err != nil {
			return nil, nil, nil, nil, err
		}
		a.closers = append(a.closers, s.Close)
		return s, s.Broker(), s.Queue(), s.Health(), nil
	}
	return nil, nil, nil, nil, fmt.Errorf("store: must be memory or redis, got %q", a.cfg.Store)
}

// tracing makes the tracer of every span when tracing.endpoint is set,
// its provider flushed and shut down with the backends; without one,
// trace context only propagates (api.Propagator), making no spans.
func (a *app) tracing() error {
	if a.cfg.Tracing.Endpoint == "" {
		a.tracer = api.Propagator{}
		return nil
	}
	tp, err := tracerProvider(a.cfg.Tracing, version)
	if err != nil {
		return err
	}
	a.tracer = api.NewTracer(tp)
	a.closers = append(a.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return tp.Shutdown(ctx)
	})
	return nil
}

// run serves on ln until ctx ends, then drains: subscriptions end (close
// 1001, clients resume elsewhere), in-flight requests finish.
func (a *app) run(ctx context.Context, ln net.Listener) error {
	srv := a.api.HTTPServer(slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(a.api.Listener(ln)) }()
	dctxRun, stopDeliveries := context.WithCancel(context.Background())
	delivered := make(chan error, 1)
	go func() { delivered <- a.deliverer.Run(dctxRun) }()
	swept := make(chan struct{})
	go func() { a.sweepFiles(dctxRun); close(swept) }()
	defer func() { stopDeliveries(); <-delivered; <-swept; a.close(); a.logs.Close() }()
	a.logger.Info("listening", "addr", ln.Addr().String(), "dev", a.dev)
	select {
	case err := <-errc:
		a.stop()
		return err
	case <-ctx.Done():
	}
	a.logger.Info("draining")
	dctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	a.hub.Drain() // streams end first, so Shutdown need not wait for them
	err := srv.Shutdown(dctx)
	if err != nil {
		// The drain period is over: cut what is still open. Hijacked
		// WebSockets are not the server's; their writes have deadlines.
		a.logger.Warn("drain period over: closing open connections", "err", err)
		srv.Close()
	}
	<-errc
	a.stop()
	return err
}

// stopTimeout bounds each wait of stop. A stream handler ends within its
// write timeout of the hub closing, so this is only a backstop.
const stopTimeout = 15 * time.Second

func (a *app) stop() {
	a.await("hub", a.hub.Close)
	a.await("stream handlers", a.api.Wait)
	if a.demo != nil {
		a.demo.Close()
	}
}

// await runs wait, giving up after stopTimeout, so that nothing that
// fails to end can hang a shutdown; what it leaves ends with the process.
func (a *app) await(what string, wait func()) {
	done := make(chan struct{})
	go func() { wait(); close(done) }()
	t := time.NewTimer(stopTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		a.logger.Warn("shutdown: gave up waiting", "for", what, "after", stopTimeout)
	}
}

// fileStore is the directory of uploads and reply files: files.dir, or a
// directory of this process (one instance only) when none is configured.
func (a *app) fileStore() (*filestore.Blobs, error) {
	dir := a.cfg.Files.Dir
	if dir == "" {
		if a.cfg.Store == "redis" {
			a.logger.Warn("files.dir is not set: files stay on this instance; set a directory all instances share")
		}
		d, err := os.MkdirTemp("", "callhub-files-")
		if err != nil {
			return nil, fmt.Errorf("files.dir: %w", err)
		}
		dir = d
		a.closers = append(a.closers, func() error { return os.RemoveAll(d) })
	}
	return &filestore.Blobs{Dir: dir, Retention: a.cfg.Retention.D()}, nil
}

// sweepFiles removes expired files every few minutes until ctx ends.
func (a *app) sweepFiles(ctx context.Context) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			a.blobs.Sweep(now)
			if d := a.api.Downloads(); d != nil {
				d.Sweep(now)
			}
		}
	}
}

// close closes the backend connections.
func (a *app) close() {
	for _, c := range a.closers {
		if err := c(); err != nil {
			a.logger.Warn("close backend", "err", err)
		}
	}
}
