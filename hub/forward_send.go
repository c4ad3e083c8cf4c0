package hub

import (
	"net/http"
	"net/url"
	"strings"
)

// send sends a forward as h.client.Do does. The default client follows
// no redirect (a 3xx is the service's answer), so the request goes
// straight through its transport: Do would copy the request's headers on
// every forward, for redirects that never come. What else Do does for
// such a client is kept: basic auth from the url's userinfo, and a
// *url.Error around a failure. A configured Client is used as it is.
func (h *Hub) send(hr *http.Request) (*http.Response, error) {
	if h.direct == nil {
		return h.client.Do(hr)
	}
	if u := hr.URL.User; u != nil && hr.Header.Get("Authorization") == "" {
		pw, _ := u.Password()
		hr.SetBasicAuth(u.Username(), pw)
	}
	resp, err := h.direct.RoundTrip(hr)
	if err != nil {
		return nil, &url.Error{Op: hr.Method[:1] + strings.ToLower(hr.Method[1:]), URL: stripPassword(hr.URL), Err: err}
	}
	return resp, nil
}

// stripPassword is u as Client.Do's errors name it: its password, if
// any, as ***.
func stripPassword(u *url.URL) string {
	if _, set := u.User.Password(); set {
		return strings.Replace(u.String(), u.User.String()+"@", u.User.Username()+":***@", 1)
	}
	return u.String()
}
