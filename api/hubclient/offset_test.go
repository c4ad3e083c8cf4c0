package hubclient

import "testing"

func TestOffsetLess(t *testing.T) {
	ordered := []string{"x", "9-5", "10-0", "10-1", "10-10", "100-0", // malformed first
		"18446744073709551615-0", "18446744073709551615-18446744073709551615"}
	for i := range ordered {
		for j := range ordered {
			if got, want := offsetLess(ordered[i], ordered[j]), i < j; got != want {
				t.Errorf("offsetLess(%q, %q) = %v, want %v", ordered[i], ordered[j], got, want)
			}
		}
	}
}
