package api

import (
	"errors"
	"net/http"

	"github.com/callhub/callhub/hub"
	"github.com/gin-gonic/gin"
)

// legacyStepReply stores an old service's answer by its callbackId: the
// first answer is the reply of the step the callbackId names, whatever
// cid and seq the answering client filled in; a callbackId that is
// unknown, expired or answered already is code 2, as the old middleware
// answered.
func (s *Server) legacyStepReply(c *gin.Context, f legacyForm) {
	p, err := s.replier(c.Request)
	if err != nil {
		s.legacyError(c, "", err)
		return
	}
	r, err := s.hub.ReplyToStep(c.Request.Context(), p, f.CallbackID, hub.ReplyInput{Data: f.RawData})
	s.answerStepReply(c, r, err)
}

// answerStepReply answers an answer by callbackId.
func (s *Server) answerStepReply(c *gin.Context, r hub.Reply, err error) {
	switch {
	case errors.Is(err, hub.ErrNotFound), errors.Is(err, hub.ErrConflict):
		c.AbortWithStatusJSON(statusOf(err), legacyResult{Code: legacyException, CID: r.CID,
			Msg: clientMessage(err, statusOf(err))})
	case err != nil:
		s.legacyError(c, r.CID, err)
	default:
		res := legacyResult{Code: legacyOK, Msg: legacyOKMsg, CID: r.CID, Data: gin.H{"seq": r.Seq, "offset": r.Offset}}
		if r.File != nil {
			res.Data, res.FilePath = gin.H{"seq": r.Seq, "offset": r.Offset, "file": r.File}, r.File.URL
		}
		c.JSON(http.StatusOK, res)
	}
}

// legacyStepFileReply is legacyStepReply for an answer that carries a
// file (POST /file with bReq=0 and a callbackId). It authenticates and
// authorises the replier for the step's cid before it keeps the file, as
// POST /v1/replies does: a refused answer leaves nothing in the store.
func (s *Server) legacyStepFileReply(c *gin.Context, f legacyForm, u *upload) {
	step, err := s.hub.CallbackStep(f.CallbackID)
	if err != nil {
		c.AbortWithStatusJSON(statusOf(err), legacyResult{Code: legacyException, Msg: clientMessage(err, statusOf(err))})
		return
	}
	p, err := s.replier(c.Request)
	if err != nil {
		s.legacyError(c, step.CID, err)
		return
	}
	if _, err := s.hub.Authorize(c.Request.Context(), p, hub.ActReply, step.CID); err != nil {
		s.answerStepReply(c, hub.Reply{}, err) // as ReplyToStep's refusal reads
		return
	}
	ref, err := s.keepReplyFile(c, step.CID, u)
	if err != nil {
		s.legacyError(c, step.CID, err)
		return
	}
	if f.RawData, err = s.saveReplyFile(f.RawData, ref); err != nil {
		s.blobs.Remove(ref.ID)
		s.legacyError(c, step.CID, err)
		return
	}
	r, err := s.hub.ReplyToStep(c.Request.Context(), p, f.CallbackID, hub.ReplyInput{Data: f.RawData, File: ref})
	if err != nil {
		s.blobs.Remove(ref.ID)
	}
	s.answerStepReply(c, r, err)
}
