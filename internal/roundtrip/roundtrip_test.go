package roundtrip_test

import (
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/callhub/callhub/internal/roundtrip"
)

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestDoAsClient: a failure is the *url.Error http.Client.Do returns for
// it (method and url named, the password hidden), and userinfo becomes
// basic auth unless the request carries its own Authorization.
func TestDoAsClient(t *testing.T) {
	refused := errors.New("refused")
	var auth []string
	rt := rtFunc(func(r *http.Request) (*http.Response, error) {
		auth = append(auth, r.Header.Get("Authorization"))
		return nil, refused
	})
	client := &http.Client{Transport: rt, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, method := range []string{http.MethodPost, http.MethodGet, "PATCH"} {
		req, _ := http.NewRequest(method, "http://ann:s3cret@127.0.0.1:1/x?q=1", nil)
		_, got := roundtrip.Do(rt, req)
		req2, _ := http.NewRequest(method, "http://ann:s3cret@127.0.0.1:1/x?q=1", nil)
		_, want := client.Do(req2)
		var ue *url.Error
		if !errors.As(got, &ue) || !errors.Is(got, refused) || got.Error() != want.Error() {
			t.Errorf("%s: Do = %v, want %v", method, got, want)
		}
	}
	if auth[0] == "" || auth[0] != auth[1] {
		t.Errorf("Authorization = %q, want basic auth from the userinfo, as Client.Do sends it", auth)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://ann:s3cret@127.0.0.1:1/x", nil)
	req.Header.Set("Authorization", "Bearer t")
	auth = nil
	roundtrip.Do(rt, req)
	if auth[0] != "Bearer t" {
		t.Errorf("Authorization = %q, want the request's own", auth[0])
	}
}
