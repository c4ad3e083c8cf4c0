package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a config duration: Go syntax ("500ms", "30s", "2m", "24h")
// or whole days ("5d").
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String writes d in Go syntax, which parseDuration reads back.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalYAML writes d as a string, so a Config round-trips.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalYAML reads a duration. A bad one is a *yaml.TypeError naming
// its line, so the decoder goes on and reports every bad value.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseDuration(n.Value)
	if err != nil {
		return lineError(n, err)
	}
	*d = Duration(v)
	return nil
}

// day is the unit of the "d" suffix.
const day = 24 * time.Hour

// parseDuration reads a non-negative Go duration, or whole days ("5d").
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		if err == nil && n >= 0 && n <= math.MaxInt64/int64(day) {
			return time.Duration(n) * day, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid duration %q (use 500ms, 30s, 2m, 24h or 5d)", s)
	}
	return d, nil
}

// Size is a config byte count: a plain integer, or one with a binary
// ("512KiB", "1MiB", "1GiB") or decimal ("1KB", "10MB") unit.
type Size int64

// String writes s with the largest binary unit that divides it exactly.
func (s Size) String() string {
	for _, u := range sizeUnits[:4] {
		if s != 0 && int64(s)%u.mult == 0 {
			return strconv.FormatInt(int64(s)/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(s), 10)
}

// MarshalYAML writes s as String does, so a Config round-trips.
func (s Size) MarshalYAML() (any, error) { return s.String(), nil }

// UnmarshalYAML reads a size. A bad one is a *yaml.TypeError naming its
// line, so the decoder goes on and reports every bad value.
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseSize(n.Value)
	if err != nil {
		return lineError(n, err)
	}
	*s = Size(v)
	return nil
}

// sizeUnits are the suffixes parseSize knows, binary first and largest
// first within each kind, so "MiB" is tried before "B".
var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1},
}

// parseSize reads a non-negative byte count with an optional unit.
func parseSize(s string) (int64, error) {
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range sizeUnits {
		if n, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(n), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("invalid size %q (use 1048576, 512KiB, 1MiB, 1GiB or 10MB)", s)
	}
	return n * mult, nil
}

// lineError is err as the *yaml.TypeError the decoder collects, with
// node n's line and column, by which yamlError names its key.
func lineError(n *yaml.Node, err error) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d column %d: %v", n.Line, n.Column, err)}}
}
