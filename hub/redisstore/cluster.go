package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// topology knows which Cluster node is master of each slot, and holds a
// client per node for what must stay on one node's connection: sharded
// subscriptions (shardedWire) and writes followed by WAIT (wait.go).
// go-redis's ClusterClient routes everything else. The slot map is read
// from CLUSTER SLOTS and patched by MOVED answers. It is safe for
// concurrent use; the Store closes it.
type topology struct {
	cc    *redis.ClusterClient
	seeds []string     // the configured addresses
	hooks []redis.Hook // added to every node's client

	refreshMu sync.Mutex // one CLUSTER SLOTS at a time
	mu        sync.Mutex
	owner     []string // slot → master address, "" while unknown
	loaded    time.Time
	clients   map[string]*redis.Client
	known     map[string]bool // every node some slot map named
	closed    bool
}

func newTopology(cc *redis.ClusterClient, seeds []string, hooks ...redis.Hook) *topology {
	return &topology{cc: cc, seeds: seeds, hooks: hooks, owner: make([]string, slotCount),
		clients: map[string]*redis.Client{}, known: map[string]bool{}}
}

// master returns the address of slot's master, reading the slot map
// when the slot's master is not known yet.
func (t *topology) master(ctx context.Context, slot int) (string, error) {
	if addr := t.ownerOf(slot); addr != "" {
		return addr, nil
	}
	if err := t.refresh(ctx); err != nil {
		return "", err
	}
	if addr := t.ownerOf(slot); addr != "" {
		return addr, nil
	}
	return "", fmt.Errorf("cluster slot %d has no master", slot)
}

func (t *topology) ownerOf(slot int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.owner[slot]
}

// moved notes a MOVED answer: addr is now slot's master.
func (t *topology) moved(slot int, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.owner[slot] = addr
}

// forget drops what is known of slot's master, so the next master reads
// the slot map again.
func (t *topology) forget(slot int) { t.moved(slot, "") }

// forgetNode drops every slot of the node at addr.
func (t *topology) forgetNode(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for s, a := range t.owner {
		if a == addr {
			t.owner[s] = ""
		}
	}
}

// masters lists the masters that serve slots, reading the slot map
// first when some slot's master is not known.
func (t *topology) masters(ctx context.Context) ([]string, error) {
	if addrs, complete := t.knownMasters(); complete {
		return addrs, nil
	}
	if err := t.refresh(ctx); err != nil {
		return nil, err
	}
	addrs, _ := t.knownMasters()
	return addrs, nil
}

// knownMasters lists the masters the slot map names, and says whether
// it names one for every slot.
func (t *topology) knownMasters() (addrs []string, complete bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	complete = true
	last := ""
	for _, a := range t.owner {
		switch {
		case a == "":
			complete = false
		case a != last && !slices.Contains(addrs, a): // a master's slots mostly run in ranges
			addrs = append(addrs, a)
		}
		last = a
	}
	return addrs, complete
}

// refresh reads the slot map with CLUSTER SLOTS, at most once per
// 100ms: a caller that comes sooner waits for its turn.
func (t *topology) refresh(ctx context.Context) error {
	t.refreshMu.Lock()
	defer t.refreshMu.Unlock()
	t.mu.Lock()
	wait := 100*time.Millisecond - time.Since(t.loaded)
	t.mu.Unlock()
	if wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	t.cc.ReloadState(ctx) // go-redis's own map, for the commands it routes
	slots, err := t.slots(ctx)
	if err != nil {
		return err
	}
	owner := make([]string, slotCount)
	for _, r := range slots {
		for s := r.Start; s <= r.End && s < slotCount && len(r.Nodes) > 0; s++ {
			owner[s] = r.Nodes[0].Addr
		}
	}
	t.mu.Lock()
	t.owner, t.loaded = owner, time.Now()
	t.mu.Unlock()
	return nil
}

// slots asks every node it knows of for CLUSTER SLOTS at once, each
// call bounded by the Store's timeout, and returns the first answer: a
// hung node neither holds the slot map up nor keeps it stale (go-redis
// asks one node at a time, each for its whole read timeout and retries).
func (t *topology) slots(ctx context.Context) ([]redis.ClusterSlot, error) {
	type answer struct {
		slots []redis.ClusterSlot
		err   error
	}
	addrs := t.nodes()
	answers := make(chan answer, len(addrs))
	var wg sync.WaitGroup
	for _, addr := range addrs {
		wg.Go(func() {
			//lint:ignore SA1019 CLUSTER SHARDS needs Redis 7; CLUSTER SLOTS answers on every version
			s, err := t.client(addr).ClusterSlots(ctx).Result()
			answers <- answer{withHost(s, addr), err}
		})
	}
	wg.Wait() // each call is bounded: a hung node costs the timeout once
	close(answers)
	var first error
	for a := range answers {
		if a.err == nil {
			t.learn(a.slots)
			return a.slots, nil
		}
		if first == nil {
			first = a.err
		}
	}
	return nil, first
}

// withHost gives the nodes of slots that the answer of the node at addr
// names without a host (a node that knows no address of its own) that
// node's host, as go-redis does with the answers it reads itself.
func withHost(slots []redis.ClusterSlot, addr string) []redis.ClusterSlot {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return slots
	}
	for i := range slots {
		for j, n := range slots[i].Nodes {
			if h, port, err := net.SplitHostPort(n.Addr); err == nil && (h == "" || h == "?") {
				slots[i].Nodes[j].Addr = net.JoinHostPort(host, port)
			}
		}
	}
	return slots
}

// nodes lists the configured addresses and every node a slot map named.
func (t *topology) nodes() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := append([]string(nil), t.seeds...)
	for addr := range t.known {
		if !slices.Contains(out, addr) {
			out = append(out, addr)
		}
	}
	return out
}

// learn notes the nodes a slot map names.
func (t *topology) learn(slots []redis.ClusterSlot) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range slots {
		for _, n := range r.Nodes {
			t.known[n.Addr] = true
		}
	}
}

// client returns the client of the node at addr, made on first use with
// the Cluster's connection options (its dial retries, so a dead node
// fails a call at once) and the topology's hooks (the Store's bound and
// error hooks).
func (t *topology) client(addr string) *redis.Client {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c := t.clients[addr]; c != nil {
		return c
	}
	o := t.cc.Options()
	c := redis.NewClient(&redis.Options{Addr: addr, Username: o.Username, Password: o.Password,
		TLSConfig: o.TLSConfig, Dialer: o.Dialer, DialTimeout: o.DialTimeout, DialerRetries: o.DialerRetries,
		ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout, Protocol: o.Protocol,
		PoolSize: o.PoolSize, MaxIdleConns: o.MaxIdleConns, PipelinePoolSize: o.PipelinePoolSize,
		ContextTimeoutEnabled: o.ContextTimeoutEnabled})
	for _, h := range t.hooks {
		c.AddHook(h)
	}
	if t.closed {
		_ = c.Close() // a write racing Store.Close fails with redis.ErrClosed
		return c
	}
	t.clients[addr] = c
	return c
}

// addHook adds h to every node's client, made or to be made.
func (t *topology) addHook(h redis.Hook) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.hooks = append(t.hooks, h)
	for _, c := range t.clients {
		c.AddHook(h)
	}
}

func (t *topology) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range t.clients {
		_ = c.Close()
	}
	t.closed = true
}

// movedTo parses a MOVED or ASK redirection: the slot and the address.
func movedTo(err error) (kind string, slot int, addr string, ok bool) {
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		return "", 0, "", false
	}
	f := strings.Fields(rerr.Error())
	if len(f) != 3 || (f[0] != "MOVED" && f[0] != "ASK") {
		return "", 0, "", false
	}
	slot, perr := strconv.Atoi(f[1])
	return f[0], slot, f[2], perr == nil && slot >= 0 && slot < slotCount
}

// shardedPubSub decides whether a Cluster gets sharded pub/sub: when its
// nodes run Redis 7 or later, or cannot be asked now (a Cluster of today
// does). It says which it chose, and why.
func shardedPubSub(cc *redis.ClusterClient, log *slog.Logger) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, err := cc.Info(ctx, "server").Result()
	if err != nil {
		log.Warn("redis pub/sub: sharded (SSUBSCRIBE); the cluster did not say its version", "err", err)
		return true
	}
	version := infoField(info, "redis_version")
	if major, _ := strconv.Atoi(strings.SplitN(version, ".", 2)[0]); major < 7 {
		log.Warn("redis pub/sub: classic, broadcast to every cluster node: sharded pub/sub needs Redis 7",
			"redis_version", version)
		return false
	}
	log.Info("redis pub/sub: sharded (SPUBLISH/SSUBSCRIBE on the node of each channel's slot)",
		"redis_version", version)
	return true
}

// infoField is one "name:value" line of an INFO answer.
func infoField(info, name string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v
		}
	}
	return ""
}
