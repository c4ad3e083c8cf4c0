package api_test

import (
	"sync/atomic"
	"time"
)

// skewClock is a hub's clock in tests: the real time plus a skew the test
// moves forward, so a stall, a deadline or an expiry comes without
// waiting for it. The hub reads it from its own goroutines (the lifecycle
// timers), hence the atomic.
type skewClock struct{ skew atomic.Int64 }

func (c *skewClock) now() time.Time          { return time.Now().Add(time.Duration(c.skew.Load())) }
func (c *skewClock) advance(d time.Duration) { c.skew.Add(int64(d)) }
