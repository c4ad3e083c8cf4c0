package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/filestore"
	"github.com/gin-gonic/gin"
)

// isMultipart reports whether a request carries multipart/form-data.
func isMultipart(r *http.Request) bool {
	// On every request: compared in place, not parsed.
	const mp = "multipart/form-data"
	ct := strings.TrimLeft(r.Header.Get("Content-Type"), " ")
	return len(ct) >= len(mp) && strings.EqualFold(ct[:len(mp)], mp) &&
		(len(ct) == len(mp) || ct[len(mp)] == ';' || ct[len(mp)] == ' ')
}

// upload is the parts of a multipart request: one JSON part and an
// optional file, spooled to disk and hashed on the way.
type upload struct {
	json []byte
	file *filestore.Spooled
	name string
	ct   string
}

// readUpload streams the parts of r: jsonPart as JSON, "file" spooled.
// On error nothing stays on disk.
func (s *Server) readUpload(r *http.Request, jsonPart string) (*upload, error) {
	if s.blobs == nil {
		return nil, hub.Errorf(hub.ErrNotFound, "file transfer is not configured on this hub")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, hub.Invalid("body", "malformed multipart: %v", err)
	}
	u := &upload{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err == nil {
			err = s.readPart(u, part, jsonPart)
		}
		if err != nil {
			u.remove()
			return nil, multipartError(err)
		}
	}
	if u.json == nil {
		u.remove()
		return nil, hub.Invalid(jsonPart, "required: a JSON part named %q", jsonPart)
	}
	return u, nil
}

func (s *Server) readPart(u *upload, part *multipart.Part, jsonPart string) error {
	defer part.Close()
	switch part.FormName() {
	case jsonPart:
		b, err := io.ReadAll(io.LimitReader(part, s.maxBody+1))
		if int64(len(b)) > s.maxBody {
			return hub.Errorf(hub.ErrTooLarge, "%s: larger than %d bytes", jsonPart, s.maxBody)
		}
		u.json = b
		return err
	case "file":
		if u.file != nil {
			return hub.Invalid("file", "only one file part is allowed")
		}
		sp, err := s.blobs.Spool(part, s.maxFile)
		u.file, u.name, u.ct = sp, part.FileName(), part.Header.Get("Content-Type")
		return err
	}
	if part.FormName() == "" {
		return hub.Invalid("part", "unnamed part: want %q and \"file\"", jsonPart)
	}
	return hub.Invalid(part.FormName(), "unknown part: want %q and \"file\"", jsonPart)
}

func multipartError(err error) error {
	var tooBig *http.MaxBytesError
	var disk *filestore.StorageError
	if errors.Is(err, hub.ErrInvalid) || errors.Is(err, hub.ErrTooLarge) || errors.As(err, &tooBig) || errors.As(err, &disk) {
		return err // a StorageError is the hub's own fault, never a client's cut
	}
	return hub.Invalid("body", "multipart upload cut short: %v", err)
}

// hubUpload is the spooled file as the hub forwards it, removed by the
// spool's own Remove.
func (u *upload) hubUpload() *hub.Upload {
	return &hub.Upload{Path: u.file.Path, Name: u.name, ContentType: u.ct, Size: u.file.Size, SHA256: u.file.SHA256,
		Remove: u.file.Remove}
}

// remove deletes the spooled file, unless submit handed it to the hub.
func (u *upload) remove() {
	if u.file != nil {
		u.file.Remove()
	}
}

// submit hands req, whose Upload is u's file, to the hub, which owns the
// file from then on (hub.Upload.Remove): u no longer removes it.
func (s *Server) submit(ctx context.Context, req hub.Request, u *upload) (hub.Outcome, error) {
	u.file = nil
	return s.hub.Submit(ctx, req)
}

// postUpload is POST /v1/requests as multipart: a "request" part and a
// "file" part forwarded to the service as multipart.
func (s *Server) postUpload(c *gin.Context, caller string) {
	u, err := s.readUpload(c.Request, "request") // the caller is known already
	if err != nil {
		s.writeError(c, err)
		return
	}
	defer u.remove()
	req, err := decodeUploadRequest(u)
	if err != nil {
		s.writeError(c, err)
		return
	}
	req.Caller = caller
	out, err := s.submit(c.Request.Context(), req, u)
	if err != nil {
		noteCID(c.Request, out.CID)
		s.writeError(c, err)
		return
	}
	s.writeOutcome(c, out)
}

// decodeUploadRequest reads an upload's request part as decodeRequest
// reads a JSON request, naming every bad field in one error.
func decodeUploadRequest(u *upload) (hub.Request, error) {
	var in requestJSON
	if err := decodeBytes("request", u.json, &in); err != nil {
		return in.Request, err
	}
	req, seqErr := in.request()
	if u.file == nil {
		return req, hub.Invalid("file", "required: a file part named \"file\"")
	}
	if req.Method == "" {
		req.Method = http.MethodPost
	}
	req.Upload = u.hubUpload()
	return req, hub.JoinInvalid(seqErr, req.Normalize())
}

// download streams a service's answer back: status, Content-Type,
// Content-Disposition, and the body's SHA-256 as the Callhub-Sha256
// trailer. Nothing is buffered.
// A failure before the first byte is answered by fail.
func (s *Server) download(c *gin.Context, req hub.Request, fail func(*gin.Context, error)) {
	resp, out, err := s.hub.Fetch(c.Request.Context(), req)
	if err != nil {
		noteCID(c.Request, out.CID)
		fail(c, err)
		return
	}
	defer resp.Body.Close()
	h := c.Writer.Header()
	for _, k := range []string{"Content-Type", "Content-Disposition", "Last-Modified"} {
		if v := resp.Header.Get(k); v != "" {
			h.Set(k, v)
		}
	}
	h.Set("Callhub-Cid", out.CID)
	h.Set("Trailer", "Callhub-Sha256")
	c.Status(resp.StatusCode)
	sum := sha256.New()
	if _, err := io.Copy(io.MultiWriter(c.Writer, sum), resp.Body); err != nil {
		s.logger.Warn("download cut short", "cid", out.CID, "err", err)
		return // no trailer: the client sees the hash is missing
	}
	h.Set("Callhub-Sha256", hex.EncodeToString(sum.Sum(nil)))
}
