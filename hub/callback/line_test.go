package callback

import (
	"strconv"
	"testing"
	"time"
)

// TestLineOrder: a line gives its deliveries back oldest first however
// pushes and pops interleave, and reuses its array: once it has grown to
// what the endpoint holds waiting, pushing allocates nothing.
func TestLineOrder(t *testing.T) {
	var l line
	ids := make([]string, 2000)
	for i := range ids {
		ids[i] = strconv.Itoa(i)
	}
	pushed, popped := 0, 0
	push := func() {
		l.push(waiting{dl: Delivery{ID: ids[pushed]}, since: time.Unix(int64(pushed), 0)})
		pushed++
	}
	pop := func() {
		t.Helper()
		if got := l.pop(); got.dl.ID != ids[popped] {
			t.Fatalf("pop = %s, want %s", got.dl.ID, ids[popped])
		}
		popped++
	}
	for round := range 50 {
		for range 3 + round%5 {
			push()
		}
		for range 2 + round%4 {
			if l.len() > 0 {
				pop()
			}
		}
		if l.len() != pushed-popped {
			t.Fatalf("round %d: len %d, want %d", round, l.len(), pushed-popped)
		}
	}
	for l.len() > 0 {
		pop()
	}
	for range 8 {
		push()
	}
	for range 8 {
		pop()
	}
	if n := testing.AllocsPerRun(100, func() {
		for range 8 {
			push()
		}
		for range 8 {
			pop()
		}
	}); n != 0 {
		t.Errorf("a line of 8 used again allocates %.0f times, want 0", n)
	}
	for i, w := range l.q[:cap(l.q)] {
		if w.dl.ID != "" {
			t.Fatalf("slot %d still holds delivery %s after it was popped", i, w.dl.ID)
		}
	}
}
