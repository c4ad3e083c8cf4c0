package api

import (
	"context"
	"net/http"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/gin-gonic/gin"
)

// rates counts this instance's accepted requests and stored replies, for
// GET /v1/stats.
type rates struct {
	requests, replies hub.Rate
}

// requestRoutes are the routes that send a request.
var requestRoutes = map[string]bool{"/v1/requests": true, "/msg": true, "/file": true, "/download": true}

// count is the middleware that counts requests and replies the hub took.
func (r *rates) count(c *gin.Context) {
	c.Next()
	status := c.Writer.Status()
	if c.Request.Method != http.MethodPost || status >= 300 {
		return
	}
	switch route := c.FullPath(); {
	case requestRoutes[route]:
		r.requests.Add(time.Now())
	case route == "/v1/replies/:cid" && status == http.StatusAccepted: // 200 is a duplicate
		r.replies.Add(time.Now())
	}
}

// countCap bounds the records and deliveries GET /v1/stats counts by state.
const countCap = 10000

// windowRates are the events of one window.
type windowRates struct {
	Requests   int64 `json:"requests"`
	Replies    int64 `json:"replies"`
	Deliveries int64 `json:"deliveries"`
	Failures   int64 `json:"failures"`
}

// stats is GET /v1/stats: requests and deliveries by state (shared by
// every instance), and this instance's rates over 1 and 5 minutes.
func (s *Server) stats(c *gin.Context) {
	ctx := c.Request.Context()
	reqs, capped, err := s.countRequests(ctx)
	if err != nil {
		s.writeError(c, err)
		return
	}
	dls, dcapped, err := s.countDeliveries(ctx)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"code": 0, "msg": "ok", "at": time.Now().UTC(), "requests": reqs, "deliveries": dls,
		"capped": capped || dcapped, "rateScope": "instance",
		"rates": gin.H{"1m": s.window(time.Minute), "5m": s.window(5 * time.Minute)}})
}

func (s *Server) window(w time.Duration) windowRates {
	now := time.Now()
	r := windowRates{Requests: s.rates.requests.Count(now, w), Replies: s.rates.replies.Count(now, w)}
	if s.deliveries != nil {
		d := s.deliveries.Rates(w)
		r.Deliveries, r.Failures = d.Delivered, d.Failures
	}
	return r
}

// countRequests counts the newest countCap records by state.
func (s *Server) countRequests(ctx context.Context) (map[string]int, bool, error) {
	counts := map[string]int{hub.StatePending: 0, hub.StateReplied: 0, hub.StateCompleted: 0, hub.StateFailed: 0,
		hub.StateExpired: 0, hub.StateCanceled: 0}
	f := hub.RecordFilter{Limit: 1000}
	for n := 0; n < countCap; {
		page, next, err := s.hub.Requests(ctx, f)
		if err != nil {
			return nil, false, err
		}
		for _, rec := range page {
			counts[rec.State]++
		}
		n += len(page)
		if next == "" {
			return counts, false, nil
		}
		f.Cursor = next
	}
	return counts, true, nil
}

// countDeliveries counts the oldest countCap deliveries by state.
func (s *Server) countDeliveries(ctx context.Context) (map[string]int, bool, error) {
	counts := map[string]int{callback.Pending: 0, callback.Delivered: 0, callback.Failed: 0, callback.Dead: 0, callback.Skipped: 0}
	if s.deliveries == nil {
		return counts, false, nil
	}
	f := callback.Filter{Limit: 1000}
	for n := 0; n < countCap; {
		page, next, err := s.deliveries.List(ctx, f)
		if err != nil {
			return nil, false, err
		}
		for _, d := range page {
			counts[d.State]++
		}
		n += len(page)
		if next == "" {
			return counts, false, nil
		}
		f.Cursor = next
	}
	return counts, true, nil
}
