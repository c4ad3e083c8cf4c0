package api

import (
	"bytes"
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
	in, err := s.replyInput(c, cid)
	if err != nil {
		s.writeError(c, err)
		return
	}
	r, dup, err := s.hub.PostReply(ctx, cid, in)
	if in.File != nil && (err != nil || dup) {
		s.blobs.Remove(in.File.ID) // the stored reply does not carry it
	}
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

// replyInput decodes a reply: JSON, or multipart with a JSON part "reply"
// and a file part "file", which is kept and referenced by the reply.
func (s *Server) replyInput(c *gin.Context, cid string) (hub.ReplyInput, error) {
	var in hub.ReplyInput
	if !isMultipart(c.Request) {
		err := decodeJSON(c.Request.Body, &in)
		in.File = nil // only the hub makes file references
		return in, err
	}
	u, err := s.readUpload(c.Request, "reply")
	if err != nil {
		return in, err
	}
	defer u.remove()
	if err := decodeJSON(bytes.NewReader(u.json), &in); err != nil {
		return in, err
	}
	in.File = nil
	if u.file != nil {
		in.File, err = s.keepReplyFile(c, cid, u)
	}
	return in, err
}
