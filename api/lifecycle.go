package api

import (
	"net/http"

	"github.com/callhub/callhub/hub"
	"github.com/gin-gonic/gin"
)

// lifecycleBodyBytes bounds the body of a cancel or a heartbeat.
const lifecycleBodyBytes = 16 << 10

// cancelRequest is DELETE /v1/requests/{cid}: the caller (or the admin)
// ends an async cid; the hub stores a 499 reply, origin "hub".
func (s *Server) cancelRequest(c *gin.Context) {
	cid := c.Param("cid")
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeOptional(c, &in); err != nil {
		s.writeError(c, err)
		return
	}
	p, err := s.principal(c.Request, readToken(c.Request))
	if err != nil {
		s.writeError(c, err)
		return
	}
	r, err := s.hub.Cancel(c.Request.Context(), p, cid, in.Reason)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"code": 0, "msg": hub.StateCanceled, "cid": cid, "offset": r.Offset})
}

// heartbeat is POST /v1/replies/{cid}/heartbeat: a service's sign of life,
// with optional progress; subscribers get a progress frame.
func (s *Server) heartbeat(c *gin.Context) {
	cid := c.Param("cid")
	var in struct {
		Progress *float64 `json:"progress"`
		Msg      string   `json:"msg"`
	}
	if err := decodeOptional(c, &in); err != nil {
		s.writeError(c, err)
		return
	}
	p, err := s.replier(c.Request)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if err := s.hub.Heartbeat(c.Request.Context(), p, cid, in.Progress, in.Msg); err != nil {
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// decodeOptional decodes a small JSON body into v; an empty body leaves
// v as it is.
func decodeOptional(c *gin.Context, v any) error {
	b, err := readBody(http.MaxBytesReader(c.Writer, c.Request.Body, lifecycleBodyBytes))
	if err != nil || len(b) == 0 {
		return err
	}
	return decodeBytes("body", b, v)
}
