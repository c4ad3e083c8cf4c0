package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/redis/go-redis/v9"
)

// Config configures a Store.
type Config struct {
	// URL is a redis:// or rediss:// URL (standalone). Either URL or Addrs
	// is required.
	URL string
	// Addrs are Cluster or Sentinel addresses; with MasterName, Sentinel.
	Addrs      []string
	MasterName string
	Password   string
	// KeyPrefix prefixes every key and channel. Defaults to "callhub:".
	KeyPrefix string
	// Retention is how long a cid's keys live. Defaults to 24h.
	Retention time.Duration
	// FollowAnnounce is how often an instance says which callers it
	// follows (see follows). Defaults to 5s.
	FollowAnnounce time.Duration
	// WaitReplicas is how many replicas must hold a write before it is
	// acknowledged (WAIT after the write, see wait.go). Defaults to 0:
	// the master alone.
	WaitReplicas int
	// WaitTimeout bounds each WAIT; a write not replicated in time fails
	// with hub.ErrUnavailable. Defaults to 1s.
	WaitTimeout time.Duration
	// Timeout bounds every Redis call, its retries and its wait for a
	// pooled connection (see boundHook); a call past it fails with
	// hub.ErrUnavailable and is not retried. A write with WaitReplicas
	// gets WaitTimeout on top. Defaults to 1s.
	Timeout time.Duration
	// PoolSize is how many connections each client's pool holds per
	// Redis node. Defaults to go-redis's, 10 per CPU. Ping has
	// connections of its own (see Ping).
	PoolSize int
	// Logger says which pub/sub the Store uses, and when this instance's
	// clock is off Redis's by over a second (clock.go). Defaults to
	// discarding.
	Logger *slog.Logger
	// OnError, for metrics, is called once per Redis command, pipeline or
	// dial that failed to reach Redis (not for errors Redis answers);
	// OnReconnect each time a pub/sub connection fails and is made again.
	// Either may be nil. Both must be cheap.
	OnError     func()
	OnReconnect func()
	// OnClockOffset, for metrics, is called after each measurement of
	// this instance's clock against Redis's (clock.go), when the Store
	// opens and every 30s: with this clock minus Redis's, on a Cluster
	// the master's of largest magnitude. A measurement no server
	// answered is skipped. It may be nil; it must be cheap.
	OnClockOffset func(time.Duration)
}

// Store is the Redis Store, Broker and Queue of a hub instance. It is safe
// for concurrent use; the owner must call Close.
type Store struct {
	rdb       redis.UniversalClient
	batched   redis.Cmdable // rdb's autopipeliner: scripts and writes run at once share round trips (doc.go)
	prefix    string
	pkeys     *partKeyTable // nil: pkey builds every key
	retention time.Duration
	broker    *broker
	topo      *topology      // Cluster only
	ready     *Store         // Ping's clients (ready.go); nil in itself
	probes    sync.WaitGroup // Ping's writes, which may outlive their Ping briefly
	publish   string         // the append script's publish command: PUBLISH or SPUBLISH
	wait      durability
	indexed   atomic.Int64 // requests this instance indexed (list.go)
	timers    claimSource  // the lifecycle timers' partitions and claims (lifecycle.go, claims.go)
	clock     *clockCheck  // nil in Ping's Store
}

var _ hub.Store = (*Store)(nil)

// Open connects to Redis as cfg says. It does not fail when Redis is down:
// every call then fails with hub.ErrUnavailable until it is back.
func Open(cfg Config) (*Store, error) {
	opts, err := universalOptions(cfg)
	if err != nil {
		return nil, err
	}
	cfg = withDefaults(cfg)
	if cfg.WaitReplicas > 0 && opts.ReadTimeout < cfg.WaitTimeout+time.Second {
		opts.ReadTimeout = cfg.WaitTimeout + time.Second // WAIT blocks up to WaitTimeout
	}
	bound := boundHook{timeout: cfg.Timeout}
	if cfg.WaitReplicas > 0 {
		bound.wait = cfg.WaitTimeout
	}
	s := &Store{prefix: cfg.KeyPrefix, retention: cfg.Retention, timers: newClaimSource("timers", timerScanEvery),
		publish: "PUBLISH", wait: durability{replicas: cfg.WaitReplicas, timeout: cfg.WaitTimeout}}
	s.pkeys = newPartKeyTable(s.prefix)
	s.rdb, s.topo = newClient(opts, bound)
	s.batched = batching(s.rdb)
	s.ready = s.openReady(opts, bound)
	if cfg.OnError != nil {
		s.observeErrors(cfg.OnError)
		s.ready.observeErrors(cfg.OnError)
	}
	newWire := newClassicWire
	if cc, ok := s.rdb.(*redis.ClusterClient); ok {
		if shardedPubSub(cc, cfg.Logger) {
			s.publish = "SPUBLISH"
			newWire = func(b *broker) wire { return newShardedWire(b, s.topo) }
		}
	} else {
		cfg.Logger.Info("redis pub/sub: classic (one server: PUBLISH reaches only it)")
	}
	s.broker = newBroker(s.rdb, s.prefix, cfg.FollowAnnounce, s.publish == "SPUBLISH", newWire, cfg.OnReconnect, cfg.Logger)
	s.clock = s.startClock(cfg.OnClockOffset, cfg.Logger)
	return s, nil
}

// dialerRetries is how often go-redis's pool dials before it gives up:
// once, so that a refused connection fails the call with its cause (the
// address) before the call's bound passes. go-redis's own default, five
// dials with backoff, outlasts the bound, and the call then fails with
// nothing but a deadline.
const dialerRetries = 1

// newClient makes the go-redis client opts describe, every call bounded
// by bound. A Cluster's client reads its slot map through
// topology.slots, and a call that times out has the map read again: else
// go-redis keeps sending a failed-over slot's commands to its hung old
// master until its periodic reload (a minute), since no call lives long
// enough for its own retry to mark the node failing.
func newClient(opts *redis.UniversalOptions, bound boundHook) (redis.UniversalClient, *topology) {
	var rdb redis.UniversalClient
	switch {
	case opts.MasterName != "":
		o := opts.Failover()
		o.DialerRetries = dialerRetries
		rdb = redis.NewFailoverClient(o)
	case len(opts.Addrs) < 2:
		o := opts.Simple()
		o.DialerRetries = dialerRetries
		rdb = redis.NewClient(o)
	}
	if rdb != nil {
		rdb.AddHook(bound)
		return rdb, nil
	}
	var topo atomic.Pointer[topology]
	co := opts.Cluster()
	co.DialerRetries = dialerRetries
	co.ClusterSlots = func(ctx context.Context) ([]redis.ClusterSlot, error) {
		if t := topo.Load(); t != nil {
			return t.slots(ctx)
		}
		return nil, errors.New("redisstore: cluster client not ready")
	}
	cc := redis.NewClusterClient(co)
	t := newTopology(cc, opts.Addrs, bound)
	topo.Store(t)
	reload := bound
	reload.timedOut = func() { cc.ReloadState(context.Background()) }
	cc.AddHook(reload)
	return cc, t
}

// batching is rdb's autopipeliner (see doc.go), or rdb itself for a
// client without one.
//
// Its options are go-redis's defaults but for the target batch size, 100
// commands instead of 300: each batch takes a fresh queue from a pool
// that makes queues of 100, and one smaller than the target batch is put
// back and a new one made (4.8 KB at 300). At 100 the pool's queues are
// used: BenchmarkAppendReply allocates 2,354 instead of 3,742 bytes per
// reply. A batch is rarely that deep here; when one is, more commands
// follow in the next.
func batching(rdb redis.UniversalClient) redis.Cmdable {
	if c, ok := rdb.(interface {
		AutoPipelineWithOptions(*redis.AutoPipelineOptions) (*redis.AutoPipeliner, error)
	}); ok {
		o := redis.DefaultBlockingAutoPipelineOptions()
		o.MaxBatchSize = 100
		if ap, err := c.AutoPipelineWithOptions(o); err == nil { // fails only for invalid options; these are not
			return ap
		}
	}
	return rdb
}

func withDefaults(cfg Config) Config {
	if cfg.KeyPrefix == "" {
		cfg.KeyPrefix = "callhub:"
	}
	if cfg.Retention <= 0 {
		cfg.Retention = 24 * time.Hour
	}
	if cfg.FollowAnnounce <= 0 {
		cfg.FollowAnnounce = 5 * time.Second
	}
	if cfg.WaitTimeout <= 0 {
		cfg.WaitTimeout = time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

func universalOptions(cfg Config) (*redis.UniversalOptions, error) {
	if cfg.URL == "" {
		if len(cfg.Addrs) == 0 {
			return nil, errors.New("redisstore: URL or Addrs required")
		}
		return &redis.UniversalOptions{Addrs: cfg.Addrs, MasterName: cfg.MasterName, Password: cfg.Password,
			PoolSize: cfg.PoolSize, ContextTimeoutEnabled: true}, nil
	}
	o, err := redis.ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("redisstore: parse url: %w", err)
	}
	u := &redis.UniversalOptions{Addrs: []string{o.Addr}, DB: o.DB, Username: o.Username,
		Password: o.Password, TLSConfig: o.TLSConfig, PoolSize: cfg.PoolSize,
		ContextTimeoutEnabled: true} // a caller's deadline bounds each call
	if cfg.Password != "" {
		u.Password = cfg.Password
	}
	return u, nil
}

// Close ends the broker's subscriptions and the clock check, and closes
// the connections.
func (s *Store) Close() error {
	s.broker.close()
	s.clock.close()
	s.probes.Wait()
	_ = s.ready.closeClients()
	return s.closeClients()
}

// Broker returns the store's pub/sub broker.
func (s *Store) Broker() hub.Broker { return s.broker }

// Ping implements hub.Store: it reports whether this instance can store
// and receive. It writes as a reply does (a script, followed by WAIT with
// WaitReplicas), so a Redis that answers PING but refuses writes
// (read-only, out of memory, a failing disk, replicas behind) reads as
// unavailable; it writes on connections of its own (see openReady), so a
// pool starved by slow calls does not. It fails too, with
// hub.ErrNotReceiving, while the broker's pub/sub is known to be deaf
// (see probe).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.broker.deaf(); err != nil {
		return wrap(err)
	}
	// go-redis watches a caller's deadline, not its cancellation (the
	// Store's Timeout bounds the write): Ping waits for the write until
	// ctx ends, and Close for the write.
	done := make(chan error, 1)
	s.probes.Go(func() {
		done <- s.ready.eval(context.WithoutCancel(ctx), readyScript, []string{s.prefix + "ready"}).Err()
	})
	select {
	case err := <-done:
		return wrap(err)
	case <-ctx.Done():
		return wrap(ctx.Err())
	}
}

func (s *Store) key(kind, cid string) string { return s.prefix + kind + ":{" + cid + "}" }

// cidKeys sets keys[i] to s.key(kinds[i], cid), all in one string.
func (s *Store) cidKeys(keys []string, cid string, kinds ...string) {
	n := 0
	for _, kind := range kinds {
		n += len(s.prefix) + len(kind) + len(cid) + 3
	}
	var b strings.Builder
	b.Grow(n)
	for _, kind := range kinds {
		b.WriteString(s.prefix)
		b.WriteString(kind)
		b.WriteString(":{")
		b.WriteString(cid)
		b.WriteByte('}')
	}
	all := b.String()
	for i, kind := range kinds {
		n := len(s.prefix) + len(kind) + len(cid) + 3
		keys[i], all = all[:n], all[n:]
	}
}

// wrap marks every Redis failure as hub.ErrUnavailable.
func wrap(err error) error {
	if err == nil || errors.Is(err, hub.ErrNotFound) || errors.Is(err, hub.ErrConflict) ||
		errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("%w: redis: %w", hub.ErrUnavailable, err)
}

func notFound(cid string) error { return hub.Errorf(hub.ErrNotFound, "cid %s not found", cid) }
