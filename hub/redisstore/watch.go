package redisstore

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// How an instance finds due work in a partitioned sorted set (the
// delivery queue's due set, the lifecycle timers) without polling every
// partition. It claims at once from the partitions where it put work or
// made work due (hot), and from those whose earliest due time, as it
// last saw it, has come. Every so often it reads each partition's
// earliest due time (one ZRANGE each), which finds what other instances
// scheduled and left: the work of an instance that died, or a lease that
// ran out. Live instances claim what they schedule themselves, so an
// idle partition costs one command per scan and nothing else.
//
// The delivery queue is scanned every 2 seconds: a callback another
// instance left is late by that much at most. Lifecycle timers are
// scanned every 10: only a deadline or a stall check whose instance died
// waits for a scan, and they are rarer; an idle instance then runs about
// 10 Redis commands a second for both.
const (
	queueScanEvery = 2 * time.Second
	timerScanEvery = 10 * time.Second
)

// partWatch is what one instance knows of the due times of the sorted
// set name in every partition.
type partWatch struct {
	name  string        // the sorted set's key name in each partition
	every time.Duration // how often to scan every partition

	mu     sync.Mutex
	hot    [Partitions]bool      // partitions with work this instance queued or made due
	due    [Partitions]time.Time // the earliest due time seen in each partition; zero: none
	scanAt time.Time             // when ready next reads every partition's earliest due time
}

// heat marks partition p to be claimed from at once and, unless t is
// zero, notes that it has something due at t.
func (w *partWatch) heat(p int, t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.hot[p] = true
	w.noteDue(p, t)
}

// dueAt notes that partition p has something due at t.
func (w *partWatch) dueAt(p int, t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.noteDue(p, t)
}

// noteDue is dueAt with w.mu held.
func (w *partWatch) noteDue(p int, t time.Time) {
	if !t.IsZero() && (w.due[p].IsZero() || t.Before(w.due[p])) {
		w.due[p] = t
	}
}

// ready scans when a scan is due, then answers the partitions to claim
// from at now (see takeReady).
func (w *partWatch) ready(ctx context.Context, s *Store, now time.Time) ([]int, error) {
	if err := w.scan(ctx, s, now); err != nil {
		return nil, err
	}
	return w.takeReady(now), nil
}

// takeReady answers the partitions to claim from at now, and forgets
// what it knew of them up to now: the claim takes that. A due time after
// now is kept: work scheduled while the claim was on its way, stamped
// later than the claim's now, is still claimed on time.
func (w *partWatch) takeReady(now time.Time) []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	var parts []int
	for p := range Partitions {
		dueNow := !w.due[p].IsZero() && !w.due[p].After(now)
		if w.hot[p] || dueNow {
			parts = append(parts, p)
			w.hot[p] = false
		}
		if dueNow {
			w.due[p] = time.Time{}
		}
	}
	return parts
}

// rewarm marks partitions to be claimed from again at once.
func (w *partWatch) rewarm(parts []int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range parts {
		w.hot[p] = true
	}
}

// scan reads the earliest due time of every partition when a scan is
// due at now.
func (w *partWatch) scan(ctx context.Context, s *Store, now time.Time) error {
	w.mu.Lock()
	due := !now.Before(w.scanAt)
	if due {
		w.scanAt = now.Add(w.every)
	}
	w.mu.Unlock()
	if !due {
		return nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.ZSliceCmd, Partitions)
	for p := range Partitions {
		cmds[p] = pipe.ZRangeWithScores(ctx, s.pkey(p, w.name), 0, 0)
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		w.mu.Lock()
		w.scanAt = time.Time{} // again at the next claim
		w.mu.Unlock()
		return wrap(err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for p, cmd := range cmds {
		if z := cmd.Val(); len(z) > 0 {
			w.noteDue(p, scoreTime(z[0].Score))
		}
	}
	return nil
}

// scoreTime is when an item of score (unix ms) is due: a claim at a
// whole millisecond takes it from the next whole one on (a leased
// timer's score ends in .5, lifecycle.go).
func scoreTime(score float64) time.Time {
	return time.UnixMilli(int64(math.Ceil(score)))
}

// claim claims up to n items of src due at now for lease: first it sends
// again the calls of earlier claims that src lost (reclaim), then, unless
// that failed or took n, it claims the rest afresh (claimDue). take
// reads an answer and says how many items it leased.
func (s *Store) claim(ctx context.Context, src *claimSource, now time.Time, n int,
	lease time.Duration, sc *redis.Script, call func(claimCall) scriptCall, take func(c claimCall, res []string) int) error {
	got := 0
	counted := func(c claimCall, res []string) int {
		k := take(c, res)
		got += k
		return k
	}
	if err := s.reclaim(ctx, &src.lost, now, sc, call, counted); err != nil || got >= n {
		return err
	}
	return s.claimDue(ctx, src, claimCall{now: now, lease: lease, first: now}, n-got, sc, call, take)
}

// claimDue runs the claim script sc once for each partition that src's
// watch says may have work due at c.now, all in one pipeline, under a new
// token, each for its share of n: call makes a partition's script call
// from c, its token, partition and share set, take reads its answer and
// says how many items it claimed. A partition whose claim failed, or that
// gave its whole share (more may be due), is claimed from again at once;
// a failed call is noted in src's lost calls, to be sent again (see
// lostCalls).
func (s *Store) claimDue(ctx context.Context, src *claimSource, c claimCall, n int, sc *redis.Script,
	call func(claimCall) scriptCall, take func(c claimCall, res []string) int) error {
	w := &src.partWatch
	parts, err := w.ready(ctx, s, c.now)
	if err != nil || len(parts) == 0 || n <= 0 {
		return err
	}
	c.token, c.share = src.tokens.next(), (n+len(parts)-1)/len(parts)
	cs := make([]claimCall, len(parts))
	for i, p := range parts {
		cs[i] = c
		cs[i].p = p
	}
	return s.sendClaims(ctx, sc, &src.lost, cs, call, func(i int, res []string, ok bool) {
		if !ok || take(cs[i], res) == c.share {
			w.rewarm(parts[i : i+1])
		}
	})
}

// reclaim sends again the calls lost holds that are worth it at now
// (lostCalls.take), in one pipeline, each with its token but now as its
// clock: each answers what its first run leased, leased until now plus
// its lease, take reads it. A call that fails again is noted again, and
// the error returned: the claim that follows would most likely fail too.
func (s *Store) reclaim(ctx context.Context, lost *lostCalls, now time.Time, sc *redis.Script,
	call func(claimCall) scriptCall, take func(c claimCall, res []string) int) error {
	cs := lost.take(now)
	if len(cs) == 0 {
		return nil
	}
	for i := range cs {
		cs[i].now = now
	}
	return s.sendClaims(ctx, sc, lost, cs, call, func(i int, res []string, ok bool) {
		if ok {
			take(cs[i], res)
		}
	})
}

// sendClaims sends the claim calls cs in one pipeline and hands each
// answer to took, with ok false for a call that failed: that one may have
// run all the same, so it is noted in lost, to be sent again (see
// lostCalls). It returns the last failure.
func (s *Store) sendClaims(ctx context.Context, sc *redis.Script, lost *lostCalls, cs []claimCall,
	call func(claimCall) scriptCall, took func(i int, res []string, ok bool)) error {
	calls := make([]scriptCall, len(cs))
	for i, c := range cs {
		calls[i] = call(c)
	}
	cmds, err := s.evalAll(ctx, sc, calls)
	var failed error
	for i, c := range cs {
		var res []string
		e := err
		if e == nil {
			if res, e = cmds[i].StringSlice(); e == redis.Nil {
				e = nil
			} else if e != nil {
				e = wrap(e)
			}
		}
		if e != nil {
			lost.note(c)
			failed = e
		}
		took(i, res, e == nil)
	}
	return failed
}
