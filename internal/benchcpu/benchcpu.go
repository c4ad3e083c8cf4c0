// Package benchcpu reads the CPU time a benchmark's own process used, for
// benchmarks that report CPU per operation beside wall time.
package benchcpu

import (
	"syscall"
	"testing"
	"time"
)

// Process is the user + system CPU time this process used so far.
func Process(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
