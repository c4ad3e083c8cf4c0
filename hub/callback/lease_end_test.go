package callback

import (
	"testing"
	"time"
)

// TestLeaseEndKeepsToTheClock: leases add takes in the same instant end
// at distinct microseconds, in order, and 10,000 of them (more than a
// busy hub queues in a second) end within 10 ms of now+lease: their ends
// do not run ahead of the clock, which would leave a dead instance's
// leased callbacks waiting that much longer.
func TestLeaseEndKeepsToTheClock(t *testing.T) {
	d := &Deliverer{cfg: Config{Timeout: 10 * time.Second}}
	now := time.Date(2026, 12, 7, 18, 0, 0, 123456789, time.UTC)
	want := now.Add(d.lease())
	prev := time.Time{}
	for range 10_000 {
		end := d.leaseEnd(now)
		if !end.After(prev) {
			t.Fatalf("lease end %v after %v: want each later than the last", end, prev)
		}
		prev = end
	}
	if late := prev.Sub(want); late > 10*time.Millisecond || late < 0 {
		t.Errorf("the 10,000th lease ends %v after now+lease, want within 10 ms", late)
	}
	if end := d.leaseEnd(now.Add(time.Second)); !end.Equal(now.Add(time.Second + d.lease()).Truncate(time.Microsecond)) {
		t.Errorf("a lease a second later ends at %v, want now+lease to the microsecond", end)
	}
}
