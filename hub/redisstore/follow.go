package redisstore

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// follows knows which callers some instance follows, so a reply goes out
// on its caller's channel only when someone listens there.
//
// An instance that follows a caller says so twice, at once and then every
// announce interval while it does: in the sorted set "<prefix>follows"
// (member: the caller, score: until when, in unix ms) and on the channel
// of the same name. Every instance listens on the channel and, each time
// its subscription to it is confirmed, reads the set; a caller counts as
// followed until its last word runs out (three intervals). Reading the
// set after subscribing leaves no gap: a follow is either in the set
// already or announced afterwards. Until its first read an instance
// publishes on every caller channel.
type follows struct {
	b        *broker
	key      string // the sorted set and the channel
	announce time.Duration

	mu     sync.Mutex
	known  bool                 // the set was read once
	local  map[string]int       // caller → local subscriptions
	remote map[string]time.Time // caller → followed until
	kick   chan string          // a caller to announce now
	load   chan struct{}        // read the set now
}

func newFollows(b *broker, announce time.Duration) *follows {
	f := &follows{b: b, key: b.prefix + "follows", announce: announce,
		local: map[string]int{}, remote: map[string]time.Time{},
		kick: make(chan string, 64), load: make(chan struct{}, 1)}
	return f
}

// followed reports whether a reply of caller must go out on its channel.
func (f *follows) followed(caller string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.known || f.local[caller] > 0 || time.Now().Before(f.remote[caller])
}

// start notes a local subscription of caller, announced at once on the
// first.
func (f *follows) start(caller string) {
	f.mu.Lock()
	f.local[caller]++
	first := f.local[caller] == 1
	f.mu.Unlock()
	if first {
		select {
		case f.kick <- caller:
		default: // the next round announces it
		}
	}
}

func (f *follows) stop(caller string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.local[caller]--; f.local[caller] <= 0 {
		delete(f.local, caller)
	}
}

// subscribed is told that the subscription to the channel is confirmed.
func (f *follows) subscribed() {
	select {
	case f.load <- struct{}{}:
	default:
	}
}

// heard takes an announcement: "<until ms> <caller>" lines.
func (f *follows) heard(payload string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, line := range strings.Split(payload, "\n") {
		ms, caller, ok := strings.Cut(line, " ")
		if n, err := strconv.ParseInt(ms, 10, 64); ok && err == nil {
			f.note(caller, time.UnixMilli(n))
		}
	}
}

// note extends caller's follow to until; f.mu is held.
func (f *follows) note(caller string, until time.Time) {
	if until.After(f.remote[caller]) {
		f.remote[caller] = until
	}
}

// run announces and reads the set until the broker closes.
func (f *follows) run() {
	tick := time.NewTicker(f.announce)
	defer tick.Stop()
	for {
		select {
		case c := <-f.kick:
			f.send([]string{c})
		case <-f.load:
			f.read()
		case <-tick.C:
			f.send(f.round())
		case <-f.b.ctx.Done():
			return
		}
	}
}

// read takes every live follow from the set.
func (f *follows) read() {
	now := time.Now().UnixMilli()
	zs, err := f.b.rdb.ZRangeByScoreWithScores(f.b.ctx, f.key,
		&redis.ZRangeBy{Min: strconv.FormatInt(now, 10), Max: "+inf"}).Result()
	if err != nil {
		return // the next confirmed subscribe reads again
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, z := range zs {
		if c, ok := z.Member.(string); ok {
			f.note(c, time.UnixMilli(int64(z.Score)))
		}
	}
	f.known = true
}

// round lists the callers followed here and forgets remote ones that ran
// out.
func (f *follows) round() []string {
	now := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	for c, until := range f.remote {
		if now.After(until) {
			delete(f.remote, c)
		}
	}
	out := make([]string, 0, len(f.local))
	for c := range f.local {
		out = append(out, c)
	}
	return out
}

// send records callers in the set, then announces them, in one round trip;
// the set drops what ran out long ago.
func (f *follows) send(callers []string) {
	if len(callers) == 0 {
		return
	}
	now := time.Now()
	until := now.Add(3 * f.announce).UnixMilli()
	zs := make([]redis.Z, len(callers))
	lines := make([]string, len(callers))
	for i, c := range callers {
		zs[i] = redis.Z{Score: float64(until), Member: c}
		lines[i] = strconv.FormatInt(until, 10) + " " + c
	}
	pipe := f.b.rdb.Pipeline()
	pipe.ZAdd(f.b.ctx, f.key, zs...)
	pipe.ZRemRangeByScore(f.b.ctx, f.key, "-inf", strconv.FormatInt(now.UnixMilli()-time.Hour.Milliseconds(), 10))
	if _, err := pipe.Exec(f.b.ctx); err == nil {
		_ = f.b.wire.publish(f.b.ctx, f.key, []byte(strings.Join(lines, "\n")))
	}
}
