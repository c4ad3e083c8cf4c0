package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/callhub/callhub/hub"
	"github.com/gin-gonic/gin"
)

// statusOf is the one place an error becomes an HTTP status.
func statusOf(err error) int {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig), errors.Is(err, hub.ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, hub.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, hub.ErrUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, hub.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, hub.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, hub.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, hub.ErrRateLimited):
		return http.StatusTooManyRequests
	case errors.Is(err, hub.ErrBadGateway):
		return http.StatusBadGateway
	case errors.Is(err, hub.ErrUnavailable), errors.Is(err, hub.ErrClosed), errors.Is(err, hub.ErrBreakerOpen):
		return http.StatusServiceUnavailable
	case errors.Is(err, hub.ErrTimeout):
		return http.StatusGatewayTimeout
	case errors.Is(err, hub.ErrStorageFull):
		return http.StatusInsufficientStorage
	case errors.Is(err, context.Canceled):
		return 499 // the client went away; nobody reads this
	}
	return http.StatusInternalServerError
}

// clientMessage is what a client may read of err.
func clientMessage(err error, status int) string {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return "body larger than the limit of " + itoa(tooBig.Limit) + " bytes"
	case status == http.StatusInternalServerError:
		return "internal error"
	case errors.Is(err, hub.ErrUnavailable):
		return "store unavailable; retry later" // the cause names the store's address
	case status == http.StatusInsufficientStorage:
		return "the hub has no room for the file; retry later" // the cause names the hub's path
	}
	return err.Error()
}

// hidden reports whether clients read only a generic message for err
// and its status (clientMessage), so the error must be logged where it is
// answered. An open breaker's refusal is the client's to read, and the
// breaker's metrics count it.
func hidden(err error, status int) bool {
	if errors.Is(err, hub.ErrBreakerOpen) {
		return false
	}
	return status == http.StatusInternalServerError || status == http.StatusServiceUnavailable ||
		status == http.StatusInsufficientStorage
}

// setRetryAfter tells the client of an open breaker's refusal when to
// retry, in whole seconds.
func setRetryAfter(c *gin.Context, err error) {
	var oe *hub.OpenError
	if errors.As(err, &oe) {
		c.Header("Retry-After", strconv.Itoa(oe.Seconds()))
	}
}

// logFault logs, once, an error whose status hides it from the client
// (hidden), and counts a full disk. The store's unavailability is the
// outage's to log.
func (s *Server) logFault(c *gin.Context, cid string, err error, status int) {
	if errors.Is(err, hub.ErrUnavailable) {
		s.outage.refused(c.Request.Context(), err, "method", c.Request.Method, "path", c.Request.URL.Path, "cid", cid)
		return
	}
	msg := "internal error"
	if status == http.StatusInsufficientStorage {
		msg = "hub storage full"
		s.metrics.storageFull.Inc()
	}
	s.logger.ErrorContext(c.Request.Context(), msg,
		"method", c.Request.Method, "path", c.Request.URL.Path, "cid", cid, "err", err)
}

// writeError answers err in the JSON envelope with the status statusOf
// picks. Internal and store errors are logged here, once, and hidden from
// the client.
func (s *Server) writeError(c *gin.Context, err error) {
	status := statusOf(err)
	if hidden(err, status) {
		s.logFault(c, cidOf(c), err, status)
	}
	setRetryAfter(c, err)
	c.AbortWithStatusJSON(status, gin.H{"code": status, "msg": clientMessage(err, status), "cid": cidOf(c)})
}
