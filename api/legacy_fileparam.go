package api

import (
	"cmp"
	"net/http"
	"net/url"
	"os"

	"github.com/callhub/callhub/hub"
	"github.com/gin-gonic/gin"
)

// legacyFileByParam forwards an old client's file sent with GET (or
// DELETE), a request without a body, as the old middleware did: the
// fileField parameter (default "file") tells the service where to get
// the file. With compat.downloadDir that is the file's path there, else
// its /v1/files/{id} URL with a token that lets the service read it.
// What the hub kept is removed again if the request is refused.
func (s *Server) legacyFileByParam(c *gin.Context, req hub.Request, u *upload, field string) {
	if req.CID == "" {
		req.CID = hub.NewCID() // the file is kept under the cid before the request is submitted
	}
	where, undo, err := s.fileForService(c, req.CID, req.Caller, u)
	if err != nil {
		s.legacyError(c, req.CID, err)
		return
	}
	form := make(map[string]any, len(req.Form)+1)
	for k, v := range req.Form {
		form[k] = v
	}
	form[cmp.Or(field, "file")] = where
	req.Form = form
	out, err := s.hub.Submit(c.Request.Context(), req)
	if err != nil {
		undo()
		s.legacyError(c, cmp.Or(out.CID, req.CID), err)
		return
	}
	res := legacyOutcome(out)
	res.FilePath = hub.SafeName(u.name)
	c.JSON(http.StatusOK, res)
}

// fileForService keeps the spooled file where the service can get it:
// in compat.downloadDir (its path), or with the hub's files (its URL
// with a read token of cid for caller). undo removes it.
func (s *Server) fileForService(c *gin.Context, cid, caller string, u *upload) (where string, undo func(), err error) {
	if s.compat.Downloads != nil {
		f, err := os.Open(u.file.Path)
		if err != nil {
			return "", nil, err
		}
		defer f.Close()
		sv, err := s.compat.Downloads.Save(f, u.name, u.file.SHA256, s.maxFile)
		if err != nil {
			return "", nil, err
		}
		return sv.Path, func() { os.Remove(sv.Path) }, nil
	}
	ref, err := s.keepReplyFile(c, cid, u)
	if err != nil {
		return "", nil, err
	}
	return ref.URL + "?token=" + url.QueryEscape(s.hub.ReadToken(cid, caller)), func() { s.blobs.Remove(ref.ID) }, nil
}
