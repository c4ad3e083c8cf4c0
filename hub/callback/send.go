package callback

import (
	"net/http"
	"net/url"
	"strings"
)

// send sends a callback's request as http.Client.Do does with a client
// that follows no redirect (a 3xx is the answer): with Config.Client when
// set, else straight through the caller's transport. Client.Do would
// copy the request's headers on every attempt, for redirects that never
// come. What else Do does for such a client is kept: basic auth from the
// url's userinfo, and a *url.Error around a failure.
func (d *Deliverer) send(caller string, req *http.Request) (*http.Response, error) {
	if d.client != nil {
		return d.client.Do(req)
	}
	if u := req.URL.User; u != nil && req.Header.Get("Authorization") == "" {
		pw, _ := u.Password()
		req.SetBasicAuth(u.Username(), pw)
	}
	resp, err := d.transportFor(caller).RoundTrip(req)
	if err != nil {
		return nil, &url.Error{Op: req.Method[:1] + strings.ToLower(req.Method[1:]), URL: stripPassword(req.URL), Err: err}
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
