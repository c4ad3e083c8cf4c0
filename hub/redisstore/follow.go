package redisstore

import (
	"strings"
	"sync"
	"time"
)

// follows knows which callers some instance follows, so a reply goes out
// on its caller's channel only when someone listens there.
//
// An instance that follows a caller says so on the channel
// "<prefix>follows": at once when it starts following, then every
// announce interval while it does. Every instance listens there and
// takes a caller as followed until three intervals pass without a word.
// For its first three intervals an instance cannot know what others
// follow, and publishes on every caller channel. A new caller-wide
// subscription therefore sees every reply stored after its announcement
// reached the other instances (one pub/sub hop).
type follows struct {
	b        *broker
	channel  string
	announce time.Duration
	born     time.Time

	mu     sync.Mutex
	local  map[string]int       // caller → local subscriptions
	remote map[string]time.Time // caller → heard until
	kick   chan string
}

func newFollows(b *broker, announce time.Duration) *follows {
	f := &follows{b: b, channel: b.prefix + "follows", announce: announce, born: time.Now(),
		local: map[string]int{}, remote: map[string]time.Time{}, kick: make(chan string, 64)}
	_ = b.wire.subscribe(b.ctx, f.channel) // kept and resubscribed after reconnects
	return f
}

// followed reports whether a reply of caller must go out on its channel.
func (f *follows) followed(caller string) bool {
	now := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.local[caller] > 0 || now.Before(f.remote[caller]) || now.Sub(f.born) < 3*f.announce
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

// heard takes an announcement: callers, one per line.
func (f *follows) heard(payload string) {
	until := time.Now().Add(3 * f.announce)
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range strings.Split(payload, "\n") {
		f.remote[c] = until
	}
}

// run announces until the broker closes, and forgets silent callers.
func (f *follows) run() {
	tick := time.NewTicker(f.announce)
	defer tick.Stop()
	for {
		select {
		case c := <-f.kick:
			f.send([]string{c})
		case <-tick.C:
			f.send(f.round())
		case <-f.b.ctx.Done():
			return
		}
	}
}

// round lists the callers followed here and forgets remote ones that
// went silent.
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

func (f *follows) send(callers []string) {
	if len(callers) == 0 {
		return
	}
	_ = f.b.wire.publish(f.b.ctx, f.channel, []byte(strings.Join(callers, "\n")))
}
