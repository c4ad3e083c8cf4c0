package api

import (
	"context"
	"net/http"
	"strconv"

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
	in.TraceParent = c.GetHeader("Traceparent")
	r, dup, err := s.storeReply(ctx, cid, in)
	if err != nil {
		s.writeError(c, err)
		return
	}
	status, msg := http.StatusAccepted, "stored"
	if dup {
		status, msg = http.StatusOK, "duplicate: stored before"
	}
	writeJSONBody(c, status, replyAnswer(msg, cid, r.Seq, r.Offset))
}

// jsonType is the Content-Type of a JSON answer, one slice shared by all
// of them (net/http copies header values when it writes them): gin's
// Context.Data would allocate one per answer.
var jsonType = []string{"application/json; charset=utf-8"}

// writeJSONBody answers status with body, JSON already encoded.
func writeJSONBody(c *gin.Context, status int, body []byte) {
	c.Writer.Header()["Content-Type"] = jsonType
	c.Status(status)
	_, _ = c.Writer.Write(body) // a client gone mid-answer is not the reply's error
}

// replyAnswer is the answer to a stored reply, {code, msg, cid, seq,
// offset}, written by hand: this is the hot path of every service. None of
// its strings needs escaping: msg is ours, a stored cid has only
// [A-Za-z0-9_.:-], an offset only digits and a dash.
func replyAnswer(msg, cid string, seq int, offset string) []byte {
	b := make([]byte, 0, 64+len(cid)+len(offset))
	b = append(b, `{"code":0,"msg":"`...)
	b = append(b, msg...)
	b = append(b, `","cid":"`...)
	b = append(b, cid...)
	b = append(b, `","seq":`...)
	b = strconv.AppendInt(b, int64(seq), 10)
	b = append(b, `,"offset":"`...)
	b = append(b, offset...)
	return append(b, `"}`...)
}

// storeReply posts a reply; a file kept for it that the stored reply does
// not carry (an error, or a duplicate) is removed.
func (s *Server) storeReply(ctx context.Context, cid string, in hub.ReplyInput) (hub.Reply, bool, error) {
	r, dup, err := s.hub.PostReply(ctx, cid, in)
	if in.File != nil && (err != nil || dup) {
		s.blobs.Remove(in.File.ID)
	}
	return r, dup, err
}

// replyInput decodes a reply: JSON, or multipart with a JSON part "reply"
// and a file part "file", which is kept and referenced by the reply.
func (s *Server) replyInput(c *gin.Context, cid string) (hub.ReplyInput, error) {
	if !isMultipart(c.Request) {
		return decodeReply(c.Request.Body)
	}
	var in hub.ReplyInput
	u, err := s.readUpload(c.Request, "reply")
	if err != nil {
		return in, err
	}
	defer u.remove()
	if in, err = decodeReplyBytes("reply", u.json); err != nil {
		return in, err
	}
	if u.file != nil {
		in.File, err = s.keepReplyFile(c, cid, u)
	}
	return in, err
}
