package hubclient

import (
	"strconv"
	"strings"
)

// offsetLess orders offsets "<ms>-<n>" (Redis stream ids) numerically, as
// the hub does; a malformed offset sorts first.
func offsetLess(a, b string) bool {
	am, an := splitOffset(a)
	bm, bn := splitOffset(b)
	if am != bm {
		return am < bm
	}
	return an < bn
}

func splitOffset(s string) (uint64, uint64) {
	ms, n, _ := strings.Cut(s, "-")
	a, err := strconv.ParseUint(ms, 10, 64)
	if err != nil {
		return 0, 0
	}
	b, _ := strconv.ParseUint(n, 10, 64)
	return a + 1, b // +1 so a malformed offset (0,0) sorts first
}
