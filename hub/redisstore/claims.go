package redisstore

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// What a claim of due work (deliveries, lifecycle timers) keeps so that
// nothing it leased waits out its lease because an answer was lost. A
// claim script keeps the ids it leased under the claim's token until the
// lease ends, and the same call run again answers those. go-redis runs a
// call again by itself when its connection drops after sending it; a call
// whose answer never came (a timeout, a connection cut on the way back)
// fails instead, and the next claim sends it again (lostCalls).

// claimSource is what the claims of one kind of due work (deliveries,
// lifecycle timers) share: the watch of its partitions, its claims'
// tokens, and the failed calls the next claim sends again.
type claimSource struct {
	partWatch
	tokens *claimTokens
	lost   lostCalls
}

// newClaimSource watches the partitions' sets named name, scanning them
// every every (see partWatch).
func newClaimSource(name string, every time.Duration) claimSource {
	return claimSource{partWatch: partWatch{name: name, every: every}, tokens: newClaimTokens()}
}

// claimTokens gives each claim a token no other claim of any instance
// has: the source's random id and the number of its claims so far.
// Tokens of one source differ by the count, those of two by 64 random
// bits. It is safe for concurrent use.
type claimTokens struct {
	id string
	n  atomic.Uint64
}

func newClaimTokens() *claimTokens {
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	return &claimTokens{id: hex.EncodeToString(id)}
}

// next is a new claim's token.
func (c *claimTokens) next() string {
	return c.id + "." + strconv.FormatUint(c.n.Add(1), 36)
}

// claimCall is one partition's call of a claim: its token, its clock
// and lease, its share of the items claimed, and when the claim it was
// first sent in began (its now, then).
type claimCall struct {
	token    string
	now      time.Time
	lease    time.Duration
	p, share int
	first    time.Time
}

// lostCalls are the calls of a source's claims that failed: each may have
// run and leased items, its answer lost. The next claim sends them again,
// with their token but its own clock: the script answers what the first
// run leased, leased anew for a whole lease from the new claim's now (the
// Deliverer counts a claimed delivery's lease from the claim that
// answered it: one that waits in an endpoint's line is put back after
// half a lease, and the old lease could end while it is attempted) but
// never to an earlier end than the first run's (a clock stepped back
// since: a timer claim answers the end Redis keeps), or,
// if it never ran, claims as a new call would. A call is sent again only
// while at least half the lease of its first sending is left: past that,
// its items are soon due again for anyone. At most maxLostCalls are kept,
// the oldest dropped first. It is safe for concurrent use.
type lostCalls struct {
	mu    sync.Mutex
	calls []claimCall
}

const maxLostCalls = 4 * Partitions

// note keeps c to be sent again.
func (l *lostCalls) note(c claimCall) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.calls) == maxLostCalls {
		l.calls = l.calls[1:]
	}
	l.calls = append(l.calls, c)
}

// take removes every call kept and returns those worth sending again at
// now.
func (l *lostCalls) take(now time.Time) []claimCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []claimCall
	for _, c := range l.calls {
		if now.Before(c.first.Add(c.lease / 2)) {
			out = append(out, c)
		}
	}
	l.calls = nil
	return out
}
