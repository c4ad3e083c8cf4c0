package callback

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/callhub/callhub/hub"
)

// Caller is a configured caller's callback settings.
type Caller struct {
	ID                 string
	CallbackBase       string   // a relative callback url resolves here
	AllowCallbackHosts []string // an absolute one must be on one of these
	WebhookSecret      string   // "whsec_…": signs callbacks; empty: unsigned
}

// Config configures a Deliverer. Queue and Health are required.
type Config struct {
	Queue Queue // Required.
	// Health shares endpoint failure streaks between instances. Required.
	Health  Health
	Callers []Caller
	// Client sends callbacks. Defaults to a client that follows no
	// redirects and refuses, at connect time, addresses a callback may not
	// reach (see safeDialer).
	Client *http.Client
	// Schedule is the wait before each retry; the last entry repeats.
	// Each wait is jittered in full. Defaults to 1s 5s 30s 2m 10m 30m 1h.
	Schedule []time.Duration
	// MaxAttempts bounds the attempts of one delivery. Defaults to 10.
	MaxAttempts int
	// Timeout bounds one attempt. Defaults to 10s.
	Timeout time.Duration
	// PerEndpoint bounds concurrent attempts to one endpoint (scheme and
	// host). Defaults to 32.
	PerEndpoint int
	// RatePerEndpoint bounds attempts per second to one endpoint; 0 means
	// unbounded.
	RatePerEndpoint float64
	// DisableAfter stops attempts to an endpoint that failed continuously
	// this long. Defaults to 5 days.
	DisableAfter time.Duration
	// Workers bounds concurrent attempts in all. Defaults to 256.
	Workers int
	// Poll is how soon the queue is polled again after a poll found
	// nothing due. Defaults to 100ms. Each further empty poll doubles the
	// wait, up to 10×Poll, so an idle instance asks its queue once a
	// second; a delivery enqueued or finished on this instance, and the
	// time of a retry it scheduled, end the wait at once.
	Poll   time.Duration
	Now    func() time.Time // Defaults to time.Now.
	Logger *slog.Logger     // Defaults to discarding.
	// Observer hears each attempt, for metrics. Defaults to one that
	// records nothing.
	Observer Observer
	// Tracer spans each attempt in its reply's trace. Defaults to none.
	Tracer hub.Tracer
	// Acks tells whether a reply was acknowledged, for the deliveries of
	// requests whose callback.when is "unacked". Nil: every one is
	// attempted.
	Acks Acks
}

// Deliverer delivers HTTP callbacks from a Queue: retried, signed, in
// order per cid. It implements Deliveries. It is safe for concurrent use;
// Run does the work until its context ends.
type Deliverer struct {
	cfg      Config
	q        Queue
	callers  map[string]Caller
	signers  map[string]*signer // by caller, for those with a webhook secret
	resolved resolvedURLs
	client   *http.Client // cfg.Client; nil: one safe transport per caller (send.go)
	logger   *slog.Logger

	mu         sync.Mutex
	transports map[string]*http.Transport
	endpoints  *endpoints
	health     *healthView
	wake       chan struct{}
	due        time.Time // the earliest retry this instance scheduled that is not yet due
	active     *dispatch // Run's, while it takes work (lease_add.go)
	lastLease  int64     // the end of the last lease add took, unix µs (lease_add.go)

	delivered, failures hub.Rate // this instance's attempts, for the admin's stats
}

var _ hub.Deliveries = (*Deliverer)(nil)

// New checks cfg and returns a Deliverer.
func New(cfg Config) (*Deliverer, error) {
	if cfg.Queue == nil || cfg.Health == nil {
		return nil, errors.New("callback: Config.Queue and Config.Health are required")
	}
	setDeliveryDefaults(&cfg)
	d := &Deliverer{cfg: cfg, q: cfg.Queue, callers: map[string]Caller{}, signers: map[string]*signer{},
		client: cfg.Client, logger: cfg.Logger, wake: make(chan struct{}, 1), transports: map[string]*http.Transport{}}
	for _, c := range cfg.Callers {
		d.callers[c.ID] = c
		if c.WebhookSecret != "" {
			d.signers[c.ID] = newSigner(c.WebhookSecret)
		}
	}
	d.endpoints = newEndpoints(cfg.PerEndpoint, cfg.RatePerEndpoint)
	d.health = newHealthView(cfg.Health)
	return d, nil
}

func setDeliveryDefaults(cfg *Config) {
	if len(cfg.Schedule) == 0 {
		cfg.Schedule = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second,
			2 * time.Minute, 10 * time.Minute, 30 * time.Minute, time.Hour}
	}
	defaults := []struct {
		v   *int
		def int
	}{{&cfg.MaxAttempts, 10}, {&cfg.PerEndpoint, 32}, {&cfg.Workers, 256}}
	for _, x := range defaults {
		if *x.v <= 0 {
			*x.v = x.def
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.DisableAfter <= 0 {
		cfg.DisableAfter = 5 * 24 * time.Hour
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 100 * time.Millisecond
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	if cfg.Tracer == nil {
		cfg.Tracer = hub.NopTracer()
	}
}

func (d *Deliverer) now() time.Time { return d.cfg.Now() }

// lease is how long a claimed delivery stays with this instance: longer
// than any attempt, so a live attempt is never taken over.
func (d *Deliverer) lease() time.Duration { return 2*d.cfg.Timeout + 5*time.Second }

// backoff is the full-jitter wait before retry number n (1-based).
func (d *Deliverer) backoff(n int) time.Duration {
	s := d.cfg.Schedule
	base := s[min(n-1, len(s)-1)]
	if base <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(base)) + 1)
}

// poke wakes Run to claim at once.
func (d *Deliverer) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Status implements Deliveries.
func (d *Deliverer) Status(ctx context.Context, cid string) ([]hub.DeliveryStatus, error) {
	ds, err := d.q.ForCID(ctx, cid)
	if err != nil {
		return nil, err
	}
	out := make([]hub.DeliveryStatus, len(ds))
	for i, x := range ds {
		out[i] = x.Status()
	}
	return out, nil
}

// transportFor returns the HTTP transport of a caller's callbacks: the
// connect-time SSRF guard for every host that caller did not configure
// (send follows no redirect). Each caller has its own connections, so no
// caller reuses a connection another caller's configuration allowed.
func (d *Deliverer) transportFor(caller string) *http.Transport {
	d.mu.Lock()
	defer d.mu.Unlock()
	if tr := d.transports[caller]; tr != nil {
		return tr
	}
	p := d.policy(caller)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // a proxy would dial for us, past the guard
	tr.DialContext = safeDialer(&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}, p.configured)
	tr.MaxIdleConnsPerHost = 64
	// An answer is read for its first KiB, for the attempt log: asking
	// for gzip would only cost a header map on every attempt.
	tr.DisableCompression = true
	d.transports[caller] = tr
	return tr
}
