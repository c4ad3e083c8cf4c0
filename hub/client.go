package hub

import "net/http"

// Idle connections the default forward client keeps: to every service
// at once, and to each.
const (
	maxIdleForward        = 1024
	maxIdleForwardPerHost = 256
)

// forwardClient is the default client requests are forwarded with. It
// keeps as many idle connections to a service as a busy hub uses at once
// (net/http keeps two per host, so a hub forwarding more than two
// requests at a time to one service would dial, and leave in TIME_WAIT,
// a connection for nearly every request), and it follows no redirect: a
// service's 3xx is its answer.
func forwardClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = maxIdleForward
	tr.MaxIdleConnsPerHost = maxIdleForwardPerHost
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}
