package hubclient

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// The states of a service's breaker, as ServiceStatus.Breaker names them.
const (
	BreakerClosed   = "closed"    // requests are forwarded
	BreakerOpen     = "open"      // requests are answered 503 with Retry-After, not forwarded
	BreakerHalfOpen = "half-open" // the next request, or the one in flight, probes the service
)

// ServiceStatus is one service of GET /v1/services: its breaker as the
// hub instance that answered sees it (each instance has its own).
type ServiceStatus struct {
	ID      string `json:"id"`
	BaseURL string `json:"baseURL"`
	// Breaker is BreakerClosed, BreakerOpen or BreakerHalfOpen; a service
	// without services[].breaker is always closed.
	Breaker string `json:"breaker"`
	// Failures counts the consecutive failed forwards to the service.
	Failures int `json:"failures"`
	// OpenUntil is when an open breaker lets a probe through; zero unless
	// open.
	OpenUntil time.Time `json:"openUntil,omitzero"`
}

// Services lists every configured service with its breaker, by id. The
// Client's Key must be the admin key.
func (c *Client) Services(ctx context.Context) ([]ServiceStatus, error) {
	var out struct {
		Services []ServiceStatus `json:"services"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/services", c.Key, nil, &out)
	return out.Services, err
}

// retryAfter reads a Retry-After header given in seconds, as the hub
// sends it; 0 when there is none.
func retryAfter(h http.Header) time.Duration {
	n, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}
