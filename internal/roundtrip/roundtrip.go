// Package roundtrip sends a request as an http.Client that follows no
// redirect would, straight through its transport. Client.Do copies a
// request's headers on every call, for redirects such a client never
// follows; the hub's forwards and callback attempts skip that copy.
package roundtrip

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Do sends req through rt and keeps what Client.Do does for a client
// without redirects: basic auth from the url's userinfo when the request
// carries no Authorization, and a *url.Error around a failure, the url's
// password shown as *** (http.ErrSchemeMismatch for an https url on a
// plain-HTTP server). A 3xx is the answer, as with
// http.ErrUseLastResponse, unless it is one Client.Do would follow and
// its Location does not parse: Client.Do reads the Location before it
// asks whether to follow, and fails such an answer.
func Do(rt http.RoundTripper, req *http.Request) (*http.Response, error) {
	if u := req.URL.User; u != nil && req.Header.Get("Authorization") == "" {
		pw, _ := u.Password()
		req.SetBasicAuth(u.Username(), pw)
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		var rh tls.RecordHeaderError
		if errors.As(err, &rh) && string(rh.RecordHeader[:]) == "HTTP/" {
			err = http.ErrSchemeMismatch // an https url on a plain-HTTP server, as Client.Do says it
		}
		return nil, failed(req, err)
	}
	if loc := resp.Header.Get("Location"); loc != "" && follows(resp.StatusCode, req) {
		if _, err := req.URL.Parse(loc); err != nil {
			resp.Body.Close()
			return nil, failed(req, fmt.Errorf("failed to parse Location header %q: %v", loc, err))
		}
	}
	return resp, nil
}

// follows is whether Client.Do would follow an answer of status to req
// (its redirectBehavior): 301, 302 and 303 always; 307 and 308 only when
// the body can be sent again.
func follows(status int, req *http.Request) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther:
		return true
	case http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return req.GetBody != nil || req.Body == nil || req.Body == http.NoBody
	}
	return false
}

// stripPassword is u as Client.Do's errors name it: its password, if
// any, as ***.
func stripPassword(u *url.URL) string {
	if _, set := u.User.Password(); set {
		return strings.Replace(u.String(), u.User.String()+"@", u.User.Username()+":***@", 1)
	}
	return u.String()
}

// failed is err as Client.Do returns a failure of req.
func failed(req *http.Request, err error) *url.Error {
	return &url.Error{Op: op(req.Method), URL: stripPassword(req.URL), Err: err}
}

// op is a method as Client.Do's errors name it: "Post", "Get" for none.
func op(method string) string {
	if method == "" {
		return "Get"
	}
	return method[:1] + strings.ToLower(method[1:])
}
