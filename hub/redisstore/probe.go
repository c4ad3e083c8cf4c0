package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/callhub/callhub/hub"
)

// Probe timing: every probeEvery a token is published on each pub/sub
// connection's probe channel, and a connection that has not heard a token
// published probeRounds rounds ago (2s) is deaf. A connection that goes
// deaf is replaced within probeEvery*(probeRounds+1), 2.5 seconds.
const (
	probeEvery  = 500 * time.Millisecond
	probeRounds = 4
)

// probeTimeout is how long a token may take to come back.
const probeTimeout = probeEvery * probeRounds

// errDeaf is Ping's error while a pub/sub connection is known to be
// deaf and its replacement has not been heard yet.
var errDeaf = fmt.Errorf("%w: redisstore: pub/sub connection deaf", hub.ErrNotReceiving)

// probeTarget is one pub/sub connection of a wire: key names it across
// rounds, channel is subscribed on it (and only on it), and replace,
// called when it is deaf, closes it and subscribes its channels again
// on a new one, whose confirmed subscribes tell their subscribers to
// re-read the store (broker.resync).
type probeTarget struct {
	key     string
	channel string
	replace func()
	// anyNode: a token whose publish failed counts as sent, since the
	// node that failed it may be gone for good (a Cluster node, whose
	// slots are served elsewhere once it is replaced); else only a token
	// Redis took counts (one server: there is nowhere else to go).
	anyNode bool
}

// prober finds deaf pub/sub connections: one that a partition or a proxy
// leaves open but silent, one on a hung node, one on a node that no
// longer serves its channels. Such a connection fails no read, so
// nothing else notices it. Each round the prober publishes a token on
// each connection's probe channel, and waits for it to come back on that
// connection. Its goroutine is owned by the broker.
type prober struct {
	b      *broker
	prefix string // of the probe channels: <prefix>probe:<instance>

	mu     sync.Mutex
	round  int
	states map[string]*probeState // target key → what it heard
}

// probeState is what the prober knows of one connection: since which
// round it is probed (on its connection of the moment), the newest round
// whose token it heard, the oldest round after that whose token was
// published (0: none), and whether it was replaced and not heard since.
type probeState struct {
	first, heard, pending int
	seen                  int // the last round it was listed
	deaf                  bool
}

func newProber(b *broker) *prober {
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	return &prober{b: b, prefix: b.prefix + "probe:" + hex.EncodeToString(id),
		states: map[string]*probeState{}}
}

// owns reports whether channel is one of this prober's.
func (p *prober) owns(channel string) bool { return strings.HasPrefix(channel, p.prefix) }

// run probes every probeEvery until the broker closes.
func (p *prober) run() {
	tick := time.NewTicker(probeEvery)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			p.probe()
		case <-p.b.ctx.Done():
			return
		}
	}
}

// probe runs one round: it replaces the connections that missed the
// token of probeRounds rounds ago and sends this round's token on every
// connection.
func (p *prober) probe() {
	targets := p.b.wire.probes()
	var deaf []probeTarget
	p.mu.Lock()
	p.round++
	r := p.round
	listed := map[string]bool{}
	for _, t := range targets {
		listed[t.key] = true
		st := p.states[t.key]
		if st == nil {
			st = &probeState{first: r, heard: r - 1}
			p.states[t.key] = st
		}
		st.seen = r
		if q := st.pending; q != 0 && q <= r-probeRounds {
			st.deaf, st.first, st.pending = true, r+1, 0 // its replacement is probed from the next round
			deaf = append(deaf, t)
		}
	}
	for k, st := range p.states {
		// A connection failed and not made again (its channels are being
		// placed) stays deaf for a while; a node gone for good, not for ever.
		if !listed[k] && (!st.deaf || r-st.seen > probeRounds) {
			delete(p.states, k)
		}
	}
	p.mu.Unlock()
	for _, t := range deaf {
		p.b.replaced(t.key)
		t.replace()
	}
	p.send(targets, r)
}

// send publishes round r's token on every target at once, each bounded
// by probeTimeout: one hung node delays no other target. Unless the
// target says anyNode, only a token that was published counts: while
// Redis takes no publish (it is down), a connection is not replaced for
// hearing nothing, and Ping fails for want of writes.
func (p *prober) send(targets []probeTarget, r int) {
	var wg sync.WaitGroup
	for _, t := range targets {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(p.b.ctx, probeTimeout)
			defer cancel()
			err := p.b.wire.publish(ctx, t.channel, []byte(t.key+" "+strconv.Itoa(r)))
			if err == nil || t.anyNode {
				p.published(t.key, r)
			}
		})
	}
	wg.Wait()
}

// published notes that round r's token went out to target key.
func (p *prober) published(key string, r int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if st := p.states[key]; st != nil && st.pending == 0 && r > st.heard && r >= st.first {
		st.pending = r
	}
}

// heard takes a message on a probe channel, "<target key> <round>": the
// connection heard that round.
func (p *prober) heard(payload string) {
	key, round, _ := strings.Cut(payload, " ")
	r, err := strconv.Atoi(round)
	if err != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.states[key]
	if st == nil || r <= st.heard {
		return
	}
	st.heard = r
	if st.pending <= r {
		st.pending = 0 // a later token published meanwhile is tracked from the next one on
	}
	if r >= st.first {
		st.deaf = false
	}
}

// err is errDeaf while some connection is deaf, else nil.
func (p *prober) err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, st := range p.states {
		if st.deaf {
			return errDeaf
		}
	}
	return nil
}
