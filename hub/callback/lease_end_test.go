package callback

import (
	"testing"
	"time"
)

// TestLeaseEndKeepsToTheClock: leases add takes in the same instant end
// at distinct microseconds, in order, and 10,000 of them (more than a
// busy hub queues in a second) end within 11 ms of now+lease (one µs
// each, and the whole milliseconds skipped): their ends
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
		if end.UnixMicro()%1000 == 0 {
			t.Fatalf("lease end %v on a whole millisecond, where a claim's lease may end", end)
		}
		prev = end
	}
	if late := prev.Sub(want); late > 11*time.Millisecond || late < 0 {
		t.Errorf("the 10,000th lease ends %v after now+lease, want within 11 ms", late)
	}
	if end := d.leaseEnd(now.Add(time.Second)); !end.Equal(now.Add(time.Second + d.lease()).Truncate(time.Microsecond)) {
		t.Errorf("a lease a second later ends at %v, want now+lease to the microsecond", end)
	}
}

// TestLeaseEndNotOnWholeMillisecond: a lease add takes never ends on a
// whole millisecond, where a claim's lease ends (Unlease, given the
// add's end, would give a claim's lease back and let a second attempt
// run beside the claimer's), neither when now plus the lease falls on
// one nor when the microsecond after the last lease does.
func TestLeaseEndNotOnWholeMillisecond(t *testing.T) {
	d := &Deliverer{cfg: Config{Timeout: 10 * time.Second}}
	now := time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC) // now+lease: a whole ms
	if end := d.leaseEnd(now); !end.Equal(now.Add(d.lease() + time.Microsecond)) {
		t.Errorf("lease end at now+lease on a whole ms = %v, want a microsecond later", end)
	}
	last := now.Add(time.Hour).UnixMicro() - 1 // the next end after it: a whole ms
	d.lastLease = last
	if end := d.leaseEnd(now); !end.Equal(now.Add(time.Hour + time.Microsecond)) {
		t.Errorf("lease end after %d µs = %v, want the microsecond after the whole ms", last, end)
	}
}
