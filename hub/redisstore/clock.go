package redisstore

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// How an instance checks its clock against Redis's, the one clock every
// instance shares. Each instance leases what it claims until a time read
// on its own clock, and another takes it over once that time has passed
// on its clock (queue_claim.lua, timer_claim.lua): two instances whose
// clocks differ shorten each other's leases by the difference, and past
// a lease (30s for a timer, 2×delivery.timeout+5s for a callback) one
// has its work taken over while it runs it. The Store asks Redis for
// TIME when it opens and every clockEvery after, each master of a
// Cluster; it reports the offset (Config.OnClockOffset), warns above
// clockWarnAbove and says so again once back under clockOKBelow.
const (
	clockEvery     = 30 * time.Second
	clockWarnAbove = time.Second
	clockOKBelow   = 500 * time.Millisecond
)

// clockRisk is what the warning says an offset risks.
const clockRisk = "leases between instances run short by the offset; past a lease (30s for timers, " +
	"2×delivery.timeout+5s for callbacks) another instance takes over what this one runs: " +
	"a callback or cancel notice sent twice. Keep clocks in step (NTP)"

// clockCheck measures this instance's clock against Redis's. Its
// goroutine is owned by the Store: Open starts it, Close stops it and
// waits for it.
type clockCheck struct {
	s        *Store
	onOffset func(time.Duration) // Config.OnClockOffset, or nil
	logger   *slog.Logger
	warned   bool // the last offset was warned about; run's goroutine alone uses it

	stop context.CancelFunc
	done sync.WaitGroup
}

// startClock starts s's clock check.
func (s *Store) startClock(onOffset func(time.Duration), logger *slog.Logger) *clockCheck {
	ctx, cancel := context.WithCancel(context.Background())
	c := &clockCheck{s: s, onOffset: onOffset, logger: logger, stop: cancel}
	c.done.Go(func() { c.run(ctx) })
	return c
}

// close stops the check and waits for it: a TIME in flight ends within
// the Store's Timeout.
func (c *clockCheck) close() {
	c.stop()
	c.done.Wait()
}

// run measures at once, then every clockEvery until ctx ends.
func (c *clockCheck) run(ctx context.Context) {
	tick := time.NewTicker(clockEvery)
	defer tick.Stop()
	for {
		c.check(ctx)
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

// check measures once and reports what it found. A measurement that no
// server answered is skipped (its errors went to OnError).
func (c *clockCheck) check(ctx context.Context) {
	if d, ok := c.s.clockOffset(ctx); ok && ctx.Err() == nil {
		c.report(ctx, d)
	}
}

// report tells OnClockOffset the offset d, and the log when d crossed a
// bound (clockWarning): a warning once above clockWarnAbove, a note once
// back under clockOKBelow.
func (c *clockCheck) report(ctx context.Context, d time.Duration) {
	if c.onOffset != nil {
		c.onOffset(d)
	}
	warn := clockWarning(c.warned, d)
	switch {
	case warn && !c.warned:
		c.logger.LogAttrs(ctx, slog.LevelWarn, "clock differs from Redis's",
			slog.Duration("offset", d), slog.String("risk", clockRisk))
	case !warn && c.warned:
		c.logger.LogAttrs(ctx, slog.LevelInfo, "clock back in step with Redis's", slog.Duration("offset", d))
	}
	c.warned = warn
}

// clockWarning says whether an offset of d is to be warned about, given
// whether the last one was: above clockWarnAbove it is, under
// clockOKBelow it is not, and in between it stays as it was, so an
// offset near a bound does not flap.
func clockWarning(warned bool, d time.Duration) bool {
	switch a := d.Abs(); {
	case a > clockWarnAbove:
		return true
	case a < clockOKBelow:
		return false
	}
	return warned
}

// clockOffset asks every master at once for TIME (timeOffset; one server, or
// Sentinel's master: that one) and answers this clock minus Redis's,
// the one of largest magnitude; false when none answered.
func (s *Store) clockOffset(ctx context.Context) (time.Duration, bool) {
	servers := []redis.Cmdable{s.rdb}
	if s.topo != nil {
		addrs, err := s.topo.masters(ctx)
		if err != nil {
			return 0, false
		}
		servers = servers[:0]
		for _, addr := range addrs {
			servers = append(servers, s.topo.client(addr))
		}
	}
	offsets := make([]time.Duration, len(servers))
	answered := make([]bool, len(servers))
	var wg sync.WaitGroup
	for i, srv := range servers {
		wg.Go(func() { offsets[i], answered[i] = timeOffset(ctx, srv) })
	}
	wg.Wait()
	return largestOffset(offsets, answered)
}

// timeOffsetSamples is how many TIMEs each measurement sends a server:
// the one with the shortest round trip counts, so that a first call
// that dials its connection (or meets a busy moment) does not put the
// dial's time into the offset.
const timeOffsetSamples = 2

// timeOffset is this clock minus srv's, from the TIME of shortest round
// trip of timeOffsetSamples; false when one failed.
func timeOffset(ctx context.Context, srv redis.Cmdable) (time.Duration, bool) {
	var samples [timeOffsetSamples]timeSample
	for i := range samples {
		sent := time.Now()
		t, err := srv.Time(ctx).Result()
		if err != nil {
			return 0, false
		}
		samples[i] = timeSample{sent, time.Now(), t}
	}
	return bestOffset(samples[:]), true
}

// timeSample is one TIME: when it was sent and answered on this clock,
// and what Redis answered.
type timeSample struct{ sent, received, redis time.Time }

// bestOffset is the offset (offsetAt) of the sample of shortest round
// trip, the one that bounds the offset closest; samples is not empty.
func bestOffset(samples []timeSample) time.Duration {
	best := samples[0]
	for _, x := range samples[1:] {
		if x.received.Sub(x.sent) < best.received.Sub(best.sent) {
			best = x
		}
	}
	return offsetAt(best.sent, best.received, best.redis)
}

// offsetAt is this clock minus Redis's for a TIME sent at sent and
// answered at received (both on this clock) with redisTime: Redis read
// its clock in between, taken to be the midpoint, so the error is at
// most half the round trip.
func offsetAt(sent, received, redisTime time.Time) time.Duration {
	mid := sent.Add(received.Sub(sent) / 2)
	return mid.Sub(redisTime)
}

// largestOffset is the offset of largest magnitude among those
// answered; false when none was.
func largestOffset(offsets []time.Duration, answered []bool) (time.Duration, bool) {
	var worst time.Duration
	found := false
	for i, d := range offsets {
		if answered[i] && (!found || d.Abs() > worst.Abs()) {
			worst, found = d, true
		}
	}
	return worst, found
}
