package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/gin-gonic/gin"
)

// admin is the middleware of every admin route: the admin key (anyone on
// an open hub without one), and a configured callback engine.
func (s *Server) admin(c *gin.Context) {
	p, err := s.principal(c.Request, "")
	if err == nil {
		err = s.hub.AuthorizeAdmin(p)
	}
	if err == nil && s.deliveries == nil && needsDeliveries(c.FullPath()) {
		err = hub.Errorf(hub.ErrNotFound, "callback delivery is not configured")
	}
	if err == nil {
		c.Next()
		return
	}
	s.writeError(c, err)
	c.Abort()
}

// needsDeliveries reports whether an admin route needs the callback engine.
func needsDeliveries(route string) bool {
	return strings.HasPrefix(route, "/v1/deliveries") || strings.HasPrefix(route, "/v1/endpoints")
}

// listDeliveries is GET /v1/deliveries?state=&caller=&limit=&cursor=.
func (s *Server) listDeliveries(c *gin.Context) {
	d := s.deliveries
	f, err := callback.ParseFilter(c.Query("state"), c.Query("caller"), c.Query("limit"), c.Query("cursor"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	page, next, err := d.List(c.Request.Context(), f)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"code": 0, "msg": "ok", "deliveries": viewDeliveries(page), "cursor": next})
}

// retryDelivery is POST /v1/deliveries/{id}/retry.
func (s *Server) retryDelivery(c *gin.Context) {
	id, ok := s.deliveryID(c)
	if !ok {
		return
	}
	dl, err := s.deliveries.Retry(c.Request.Context(), id)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"code": 0, "msg": "queued", "delivery": viewDelivery(dl, false)})
}

// retryDead is POST /v1/deliveries/retry?caller=&since=: replays every
// dead delivery of a caller created since a time (RFC 3339).
func (s *Server) retryDead(c *gin.Context) {
	d := s.deliveries
	caller := c.Query("caller")
	if caller == "" {
		s.writeError(c, hub.Invalid("caller", "required"))
		return
	}
	var since time.Time
	if v := c.Query("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			s.writeError(c, hub.Invalid("since", "must be an RFC 3339 time like 2026-01-02T15:04:05Z"))
			return
		}
		since = t
	}
	n, err := d.RetryDead(c.Request.Context(), caller, since)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"code": 0, "msg": "queued", "queued": n})
}

// enableEndpoint is POST /v1/endpoints/enable?endpoint=https://host:
// attempts to an endpoint disabled after failing for
// delivery.disableAfter start again.
func (s *Server) enableEndpoint(c *gin.Context) {
	d := s.deliveries
	ep, err := callback.ParseEndpoint(c.Query("endpoint"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	if err := d.Enable(c.Request.Context(), ep); err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"code": 0, "msg": "enabled", "endpoint": ep})
}
