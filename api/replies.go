package api

import (
	"net/http"

	"github.com/callhub/callhub/hub"
	"github.com/gin-gonic/gin"
)

// postReply is POST /v1/replies/{cid}.
func (s *Server) postReply(c *gin.Context) {
	cid := c.Param("cid")
	ctx := c.Request.Context()
	if err := s.canReply(ctx, c.Request, cid); err != nil {
		s.writeError(c, err)
		return
	}
	var in hub.ReplyInput
	if err := decodeJSON(c.Request.Body, &in); err != nil {
		s.writeError(c, err)
		return
	}
	r, dup, err := s.hub.PostReply(ctx, cid, in)
	if err != nil {
		s.writeError(c, err)
		return
	}
	status, msg := http.StatusAccepted, "stored"
	if dup {
		status, msg = http.StatusOK, "duplicate: stored before"
	}
	c.JSON(status, gin.H{"code": 0, "msg": msg, "cid": cid, "seq": r.Seq, "offset": r.Offset})
}
