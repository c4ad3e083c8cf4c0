package hubclient

import (
	"strconv"
	"strings"
)

// offsetLess orders offsets "<ms>-<n>" (Redis stream ids) numerically, as
// the hub does; a malformed offset sorts first.
func offsetLess(a, b string) bool {
	am, an, aok := splitOffset(a)
	bm, bn, bok := splitOffset(b)
	switch {
	case aok != bok:
		return bok
	case am != bm:
		return am < bm
	}
	return an < bn
}

// splitOffset returns an offset's two numbers; ok is false when its
// first is malformed.
func splitOffset(s string) (ms, n uint64, ok bool) {
	m, rest, _ := strings.Cut(s, "-")
	ms, err := strconv.ParseUint(m, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	n, _ = strconv.ParseUint(rest, 10, 64)
	return ms, n, true
}
