package hub

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Config configures a Hub. Store, Broker and Secret are required.
type Config struct {
	Store  Store  // Required.
	Broker Broker // Required.
	// Deliveries queues HTTP callbacks. Nil means callbacks are stored on
	// the record but never sent.
	Deliveries Deliveries
	Secret     []byte // Required: signs reply and ws tokens, callbackIds and admin tickets (see Tokens).
	// Open lets anyone without a key or token send requests (as the
	// caller OpenCaller), read and reply to every cid, follow every caller
	// and, unless AdminKeyed, use the admin operations (dev mode).
	Open bool
	// AdminKeyed reports that an admin key is configured: the admin
	// operations then need it, on an open hub too.
	AdminKeyed bool
	Services   []Service
	// PublicURL is how services reach the hub to reply, e.g.
	// "http://hub.example:8888".
	PublicURL string
	// Client forwards requests. Defaults to a client that follows no redirects.
	Client *http.Client
	// SendBuffer bounds each subscriber's inbox. Defaults to 256.
	SendBuffer int
	// MaxAnswerBytes bounds a service's answer. Defaults to 10 MiB.
	MaxAnswerBytes int64
	// WSTokenTTL is how long a ws token lives. Defaults to 24h.
	WSTokenTTL time.Duration
	Logger     *slog.Logger // Defaults to discarding.
	// Observer hears what the hub does, for metrics. Defaults to one that
	// records nothing.
	Observer Observer
	// Tracer spans submit, forward and reply, and carries their trace to
	// the service, the record and the callback. Defaults to none.
	Tracer Tracer
	Now    func() time.Time
}

// Deliveries accepts replies whose request named a callback. Enqueue must
// be idempotent per (cid, seq): the hub calls it again for a duplicate reply
// so a crash between storing and enqueueing loses nothing.
type Deliveries interface {
	// Check refuses, with ErrInvalid naming callback.url, a callback the
	// hub may not call for caller.
	Check(ctx context.Context, caller string, cb *Callback) error
	Enqueue(ctx context.Context, rec Record, r Reply) error
	Status(ctx context.Context, cid string) ([]DeliveryStatus, error)
}

// Hub routes requests to services and replies to subscribers. It is safe
// for concurrent use; the owner must call Close.
type Hub struct {
	cfg      Config
	store    Store
	tokens   Tokens
	services map[string]Service
	breakers map[string]*breaker // one per service; the map is fixed at New
	client   *http.Client
	direct   http.RoundTripper // the default client's transport: send uses it without the client
	logger   *slog.Logger
	obs      Observer
	tracer   Tracer

	mu     sync.Mutex
	topics map[string]*topic
	wg     sync.WaitGroup
	ctx    context.Context // ends at Close; parent of topic goroutines
	cancel context.CancelFunc
	closed bool
}

// New checks cfg and returns a Hub.
func New(cfg Config) (*Hub, error) {
	if cfg.Store == nil || cfg.Broker == nil || len(cfg.Secret) == 0 {
		return nil, errors.New("hub: Store, Broker and Secret are required")
	}
	if cfg.SendBuffer <= 0 {
		cfg.SendBuffer = 256
	}
	if cfg.MaxAnswerBytes <= 0 {
		cfg.MaxAnswerBytes = 10 << 20
	}
	if cfg.WSTokenTTL <= 0 {
		cfg.WSTokenTTL = 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &Hub{cfg: cfg, store: cfg.Store, tokens: Tokens{Secret: cfg.Secret},
		services: map[string]Service{}, client: cfg.Client, logger: cfg.Logger,
		topics: map[string]*topic{}}
	for _, s := range cfg.Services {
		h.services[s.ID] = s
	}
	var err error
	if h.breakers, err = newBreakers(cfg.Services); err != nil {
		return nil, err
	}
	if h.client == nil {
		h.client = forwardClient()
		h.direct = h.client.Transport
	}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	if h.obs = cfg.Observer; h.obs == nil {
		h.obs = nopObserver{}
	}
	if h.tracer = cfg.Tracer; h.tracer == nil {
		h.tracer = nopTracer{}
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	h.goOwned(h.runTimers)
	return h, nil
}

// Now returns the hub's clock reading.
func (h *Hub) Now() time.Time { return h.cfg.Now() }

// PublicURL is how services and callers reach this hub.
func (h *Hub) PublicURL() string { return strings.TrimSuffix(h.cfg.PublicURL, "/") }

// Open reports whether the hub lets anyone in without a key (dev mode).
func (h *Hub) Open() bool { return h.cfg.Open }

// Ready reports whether the store is reachable.
func (h *Hub) Ready(ctx context.Context) error { return h.store.Ping(ctx) }

// Drain ends every subscription (Done closes) and takes no new ones;
// requests still in flight may finish. Close follows it.
func (h *Hub) Drain() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.cancel()
}

// Close drains the hub and waits for its goroutines, background upload
// forwards among them. Call it once no request is in flight.
func (h *Hub) Close() {
	h.Drain()
	h.wg.Wait()
}

// goOwned runs fn in a goroutine Close waits for, unless the hub is
// closing; it reports whether fn runs.
func (h *Hub) goOwned(fn func()) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.wg.Add(1) // under h.mu, before Close's Wait
	go func() {
		defer h.wg.Done()
		fn()
	}()
	return true
}

// Done is closed when the hub starts closing.
func (h *Hub) Done() <-chan struct{} { return h.ctx.Done() }
