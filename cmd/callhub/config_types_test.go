package main

import (
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
	}{
		{"0", 0}, {"1048576", 1 << 20}, {"1MiB", 1 << 20}, {"512KiB", 512 << 10}, {"1GiB", 1 << 30},
		{"2TiB", 2 << 40}, {"10MB", 10e6}, {"1KB", 1000}, {"3GB", 3e9}, {"1TB", 1e12}, {"7B", 7}, {" 4 MiB ", 4 << 20},
	}
	for _, tt := range tests {
		if got, err := parseSize(tt.in); err != nil || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseSizeErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "MiB", "-1", "1.5MiB", "1mib", "1 lot", "1KiBB", "9999999999GiB"} {
		if got, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) = %d, nil; want an error", in, got)
		}
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"0s", 0}, {"500ms", 500 * time.Millisecond}, {"30s", 30 * time.Second}, {"2m", 2 * time.Minute},
		{"24h", 24 * time.Hour}, {"1h30m", 90 * time.Minute}, {"5d", 120 * time.Hour}, {"0d", 0}, {" 1d ", 24 * time.Hour},
	}
	for _, tt := range tests {
		if got, err := parseDuration(tt.in); err != nil || got != tt.want {
			t.Errorf("parseDuration(%q) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

func TestParseDurationErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "30", "forever", "-1s", "-1d", "1.5d", "d", "1w", "999999999d"} {
		if got, err := parseDuration(in); err == nil {
			t.Errorf("parseDuration(%q) = %s, nil; want an error", in, got)
		}
	}
}

// TestSizeString: String picks the largest exact binary unit, and
// parseSize reads it back.
func TestSizeString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   Size
		want string
	}{
		{0, "0"}, {1000, "1000"}, {1 << 10, "1KiB"}, {3 << 20, "3MiB"}, {1 << 30, "1GiB"}, {1<<40 + 1<<10, "1073741825KiB"},
	}
	for _, tt := range tests {
		got := tt.in.String()
		if got != tt.want {
			t.Errorf("Size(%d).String() = %q, want %q", int64(tt.in), got, tt.want)
		}
		if back, err := parseSize(got); err != nil || back != int64(tt.in) {
			t.Errorf("parseSize(%q) = %d, %v; want %d", got, back, err, int64(tt.in))
		}
	}
}
