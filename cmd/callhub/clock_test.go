package main

import (
	"math"
	"testing"

	"github.com/callhub/callhub/internal/testwait"
)

// TestClockOffsetMetric: a hub on Redis measures its clock against
// Redis's and shows the offset in callhub_clock_offset_seconds, under a
// second against a local Redis. The gauge is 0 until the first
// measurement; a measured offset of exactly 0 ns would need this clock
// at the midpoint of the round trip to land on Redis's microsecond.
func TestClockOffsetMetric(t *testing.T) {
	t.Parallel()
	p := newCluster(t).start()
	var v float64
	testwait.Until(t, "callhub_clock_offset_seconds set", func() bool {
		v = metric(t, p, "callhub_clock_offset_seconds")
		return v != 0
	})
	if math.Abs(v) >= 1 {
		t.Errorf("callhub_clock_offset_seconds = %v against a local Redis, want under 1", v)
	}
}
