// Package testwait is the one condition wait of callhub's tests: it waits
// for something another goroutine or process does, with a deadline.
// Time-based behaviour is tested with testing/synctest or an injected
// clock instead; this is only for waiting on a condition.
package testwait

import (
	"testing"
	"time"
)

// Deadline is how long Until waits: generous, so that a busy machine
// running tests with -race never reads as a failure.
const Deadline = 30 * time.Second

// pollEvery is the pause between two checks of a condition.
const pollEvery = 5 * time.Millisecond

// Until waits until cond holds, checking it every few milliseconds, and
// fails the test naming what it waited for once Deadline passes.
func Until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	Within(t, Deadline, what, cond)
}

// Within is Until with its own deadline d, for a test whose claim is that
// something happens within d.
func Within(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(pollEvery) // a condition wait with a deadline, not a wait for time
	}
}
