package callback

import (
	"net/url"
	"testing"
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
