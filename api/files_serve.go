package api

import (
	"fmt"
	"net/http"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/filestore"
	"github.com/gin-gonic/gin"
)

// getFile is GET /v1/files/{id}: a file a reply carries, for the caller
// that owns its cid (key or that cid's ws token), with Range and If-Range
// support so an interrupted download resumes.
func (s *Server) getFile(c *gin.Context) {
	if s.blobs == nil {
		s.writeError(c, hub.Errorf(hub.ErrNotFound, "file transfer is not configured on this hub"))
		return
	}
	f, meta, err := s.openFile(c.Request.Context(), c.Request, c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	defer f.Close()
	h := c.Writer.Header()
	ct := meta.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", meta.Name))
	h.Set("ETag", `"`+meta.SHA256+`"`)
	h.Set("Callhub-Sha256", meta.SHA256)
	http.ServeContent(c.Writer, c.Request, meta.Name, meta.CreatedAt, f)
}

// keepReplyFile stores the file of a multipart reply and returns its
// reference for the reply.
func (s *Server) keepReplyFile(c *gin.Context, cid string, u *upload) (*hub.FileRef, error) {
	m, err := s.blobs.Keep(u.file, filestore.BlobMeta{CID: cid, Name: u.name, ContentType: u.ct})
	if err != nil {
		return nil, err
	}
	return &hub.FileRef{ID: m.ID, Name: m.Name, Size: m.Size, SHA256: m.SHA256,
		URL: s.hub.PublicURL() + "/v1/files/" + m.ID}, nil
}
