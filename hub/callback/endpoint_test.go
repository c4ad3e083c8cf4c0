package callback

import (
	"net/url"
	"testing"
	"time"
)

// TestEndpointOf: the endpoint read off a callback url's string is the
// scheme and host url.Parse finds, for the usual forms and the unusual.
func TestEndpointOf(t *testing.T) {
	for _, raw := range []string{
		"http://127.0.0.1:8080/cb", "https://hooks.example.com", "https://hooks.example.com/a/b?x=1#f",
		"http://[::1]:9000/cb", "https://user:pw@hooks.example.com/cb", "http://h.example?x=/y",
		"http://h.example#frag", "HTTP://Upper.example/x", "ftp://files.example/x",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := endpointOf(raw), u.Scheme+"://"+u.Host; got != want {
			t.Errorf("endpointOf(%q) = %q, want %q", raw, got, want)
		}
	}
}

// TestEndpointRateOlderNow: an attempt whose now is older than the last
// refill (taken before a round trip to the queue, or by a goroutine that
// took the lock later) neither refills nor drains the endpoint's tokens.
func TestEndpointRateOlderNow(t *testing.T) {
	e := newEndpoints(100, 10)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if _, _, ok := e.acquire("http://h", t0); !ok {
		t.Fatal("first attempt deferred, want started: 10 tokens")
	}
	if wait, _, ok := e.acquire("http://h", t0.Add(-900*time.Millisecond)); !ok {
		t.Fatalf("attempt 900 ms older deferred for %s, want started: 9 tokens left", wait)
	}
}
