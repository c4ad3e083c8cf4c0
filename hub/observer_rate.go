package hub

import (
	"sync"
	"time"
)

// rateSpan is how far back a Rate remembers, in seconds.
const rateSpan = 300

// Rate counts events per second over the last five minutes, in this
// process. It is safe for concurrent use; the zero value is ready.
type Rate struct {
	mu      sync.Mutex
	buckets [rateSpan]int64
	secs    [rateSpan]int64 // the unix second each bucket counts
}

// Add counts one event at t.
func (r *Rate) Add(t time.Time) {
	sec := t.Unix()
	i := int(sec % rateSpan)
	r.mu.Lock()
	if r.secs[i] != sec {
		r.secs[i], r.buckets[i] = sec, 0
	}
	r.buckets[i]++
	r.mu.Unlock()
}

// Count returns the events in the window (at most five minutes) ending
// at now.
func (r *Rate) Count(now time.Time, window time.Duration) int64 {
	from := now.Unix() - int64(min(window, rateSpan*time.Second)/time.Second)
	r.mu.Lock()
	defer r.mu.Unlock()
	var n int64
	for i, sec := range r.secs {
		if sec > from && sec <= now.Unix() {
			n += r.buckets[i]
		}
	}
	return n
}
