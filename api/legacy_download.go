package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"

	"github.com/callhub/callhub/hub"
	"github.com/gin-gonic/gin"
)

// legacyDownload is POST /download. The old client reads its answer as an
// InterCoResult, so the hub fetches the service's file, keeps it and
// answers where: filePath is its absolute path in compat.downloadDir, or
// its /v1/files URL. Async is an ordinary async request whose service
// answers with a file (POST /file with bReq=0, or a multipart v1 reply).
func (s *Server) legacyDownload(c *gin.Context) {
	f, ok := s.legacyForm(c)
	if !ok {
		return
	}
	if !f.Sync {
		s.legacyRequest(c, f)
		return
	}
	req, ok := s.legacyCallerRequest(c, f)
	if !ok {
		return
	}
	req.Download = true
	resp, out, err := s.hub.Fetch(c.Request.Context(), req)
	if err != nil {
		s.legacyError(c, cmp.Or(out.CID, req.CID), err)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		c.JSON(http.StatusOK, legacyResult{Code: legacyException, CID: out.CID,
			Msg: fmt.Sprintf("service answered HTTP %d", resp.StatusCode)})
		return
	}
	res, err := s.keepDownload(out.CID, resp)
	if err != nil {
		s.legacyError(c, out.CID, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// keepDownload keeps the service's file in compat.downloadDir, or with
// the hub's files, and answers where.
func (s *Server) keepDownload(cid string, resp *http.Response) (legacyResult, error) {
	name := downloadName(resp)
	declared := resp.Header.Get("Callhub-Sha256")
	if s.compat.Downloads != nil {
		sv, err := s.compat.Downloads.Save(resp.Body, name, declared, s.maxFile)
		if err != nil {
			return legacyResult{}, err
		}
		return legacyResult{Code: legacyOK, Msg: legacyOKMsg, CID: cid, FilePath: sv.Path,
			Data: gin.H{"name": sv.Name, "size": sv.Size, "sha256": sv.SHA256}}, nil
	}
	if s.blobs == nil {
		return legacyResult{}, hub.Errorf(hub.ErrNotFound, "file transfer is not configured on this hub")
	}
	sp, err := s.blobs.Spool(resp.Body, s.maxFile)
	if err != nil {
		return legacyResult{}, err
	}
	defer sp.Remove()
	if declared != "" && !hub.SameSHA256(declared, sp.SHA256) {
		return legacyResult{}, hub.Errorf(hub.ErrBadGateway, "the service's file hashes to %s, it declared %s", sp.SHA256, declared)
	}
	ref, err := s.keepReplyFile(nil, cid, &upload{file: sp, name: name, ct: resp.Header.Get("Content-Type")})
	if err != nil {
		return legacyResult{}, err
	}
	return legacyResult{Code: legacyOK, Msg: legacyOKMsg, CID: cid, FilePath: ref.URL, Data: ref}, nil
}

// downloadName is the file name the service gave (Content-Disposition),
// or the last element of its path.
func downloadName(resp *http.Response) string {
	if _, p, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil && p["filename"] != "" {
		return p["filename"]
	}
	return path.Base(resp.Request.URL.Path)
}

// saveReplyFile also saves a file an old service answers with in
// compat.downloadDir, and adds its absolute path to the reply's data as
// filePath, which the old form of the callback carries. Without
// downloadDir, or for data that is not a JSON object, data is unchanged.
func (s *Server) saveReplyFile(data json.RawMessage, ref *hub.FileRef) (json.RawMessage, error) {
	if s.compat.Downloads == nil || ref == nil {
		return data, nil
	}
	fields := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(data)) > 0 && json.Unmarshal(data, &fields) != nil {
		return data, nil
	}
	f, _, err := s.blobs.Open(ref.ID)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sv, err := s.compat.Downloads.Save(io.Reader(f), ref.Name, ref.SHA256, s.maxFile)
	if err != nil {
		return nil, err
	}
	fields["filePath"], _ = json.Marshal(sv.Path)
	return json.Marshal(fields)
}
