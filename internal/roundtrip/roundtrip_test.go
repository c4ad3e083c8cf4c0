package roundtrip_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
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

// TestDoLocation: a 3xx is the answer, as Client.Do with
// ErrUseLastResponse gives it, except one Client.Do would follow whose
// Location does not parse, which fails as Client.Do fails it.
func TestDoLocation(t *testing.T) {
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range []struct {
		status int
		loc    string
		body   bool // the request has a body that cannot be sent again
	}{
		{http.StatusFound, "%zz", false},
		{http.StatusSeeOther, "http://[::1", true},
		{http.StatusTemporaryRedirect, "%zz", false},
		{http.StatusPermanentRedirect, "%zz", true}, // not followed: no GetBody
		{http.StatusFound, "/ok", false},
		{http.StatusFound, "", false},
		{http.StatusNotModified, "%zz", false}, // not a redirect Client.Do follows
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			if tc.loc != "" {
				w.Header()["Location"] = []string{tc.loc}
			}
			w.WriteHeader(tc.status)
		}))
		send := func(do func(*http.Request) (*http.Response, error)) (int, error) {
			var body io.Reader
			if tc.body {
				body = struct{ io.Reader }{strings.NewReader("x=1")} // no GetBody for this reader
			}
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/cb", body)
			resp, err := do(req)
			if err != nil {
				return 0, err
			}
			resp.Body.Close()
			return resp.StatusCode, nil
		}
		got, gotErr := send(func(r *http.Request) (*http.Response, error) { return roundtrip.Do(http.DefaultTransport, r) })
		want, wantErr := send(client.Do)
		srv.Close()
		if got != want || (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
			t.Errorf("%d %q: Do = %d, %v; Client.Do = %d, %v", tc.status, tc.loc, got, gotErr, want, wantErr)
		}
		if tc.loc == "%zz" && tc.status == http.StatusFound && gotErr == nil {
			t.Errorf("%d %q: Do answered, want the error Client.Do gives", tc.status, tc.loc)
		}
	}
}
