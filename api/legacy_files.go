package api

import (
	"cmp"
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/callhub/callhub/hub"
	"github.com/gin-gonic/gin"
)

// legacyFile is POST /file: the old upload. An urlencoded form names the
// file by path (legacyFileByPath); a multipart one carries the form
// fields beside the file (any part with a file name, or the part named
// by fileField). bReq=1 forwards the file to the service like
// a v1 upload (fileHash is the declared SHA-256); bReq=0 is a service's
// reply carrying a file for cid.
func (s *Server) legacyFile(c *gin.Context) {
	if !isMultipart(c.Request) {
		s.legacyFileByPath(c)
		return
	}
	if err := s.knownBeforeUpload(c.Request); err != nil {
		s.legacyError(c, "", err) // refuse before a byte is spooled
		return
	}
	v, u, err := s.readLegacyUpload(c.Request, s.tokenMayAnswer)
	if err != nil {
		s.legacyError(c, "", err)
		return
	}
	defer u.remove()
	f, err := parseLegacyForm(v)
	if err == nil && u.file == nil {
		err = hub.Invalid("file", "required: a file part")
	}
	if err != nil {
		s.legacyError(c, f.CID, err)
		return
	}
	if !f.BReq {
		s.legacyFileReply(c, f, u)
		return
	}
	s.legacyUpload(c, f, v, u)
}

// readLegacyUpload reads the old multipart form: fields into values, the
// file spooled once beforeFile accepts the request with the fields read
// before the file part.
func (s *Server) readLegacyUpload(r *http.Request, beforeFile func(*http.Request, url.Values) error) (url.Values, *upload, error) {
	if s.blobs == nil {
		return nil, nil, hub.Errorf(hub.ErrNotFound, "file transfer is not configured on this hub")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, hub.Invalid("body", "malformed multipart: %v", err)
	}
	v, u := url.Values{}, &upload{}
	var fieldBytes int64
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return v, u, nil
		}
		if err == nil && (part.FileName() != "" || part.FormName() == v.Get("fileField")) && u.file == nil {
			if err = beforeFile(r, v); err != nil {
				return nil, nil, err
			}
			u.file, err = s.blobs.Spool(part, s.maxFile)
			u.name, u.ct = part.FileName(), part.Header.Get("Content-Type")
		} else if err == nil {
			var b []byte
			b, err = io.ReadAll(io.LimitReader(part, s.maxBody-fieldBytes+1))
			if fieldBytes += int64(len(b)); fieldBytes > s.maxBody {
				err = hub.Errorf(hub.ErrTooLarge, "form fields larger than %d bytes", s.maxBody)
			}
			v.Add(part.FormName(), string(b))
		}
		if err != nil {
			u.remove()
			return nil, nil, multipartError(err)
		}
	}
}

// legacyUpload forwards the file.
func (s *Server) legacyUpload(c *gin.Context, f legacyForm, v url.Values, u *upload) {
	caller, err := s.callerOf(c.Request)
	if err != nil {
		s.legacyError(c, f.CID, err)
		return
	}
	if f.Method == "" {
		f.Method = http.MethodPost
	}
	req, err := f.request()
	if err != nil {
		s.legacyError(c, f.CID, err)
		return
	}
	if !s.registered(c, req) {
		return
	}
	if h := v.Get("fileHash"); h != "" && !hub.SameSHA256(h, u.file.SHA256) {
		s.legacyError(c, req.CID, hub.Invalid("fileHash", "declared %s, the file's sha256 is %s: nothing forwarded", h, u.file.SHA256))
		return
	}
	if req.Method == http.MethodGet || req.Method == http.MethodDelete {
		req.Caller = caller
		s.legacyFileByParam(c, req, u, v.Get("fileField"))
		return
	}
	req.Caller, req.FileField, req.SHA256 = caller, v.Get("fileField"), v.Get("fileHash")
	req.Upload = u.hubUpload()
	out, err := s.submit(c.Request.Context(), req, u)
	if err != nil {
		s.legacyError(c, cmp.Or(out.CID, req.CID), err)
		return
	}
	res := legacyOutcome(out)
	res.FilePath = hub.SafeName(u.name)
	c.JSON(http.StatusOK, res)
}

// legacyFileReply keeps a service's file and posts it as the reply of cid.
func (s *Server) legacyFileReply(c *gin.Context, f legacyForm, u *upload) {
	ctx := c.Request.Context()
	if f.CallbackID != "" {
		s.legacyStepFileReply(c, f, u)
		return
	}
	if f.CID == "" {
		s.legacyError(c, "", hub.Invalid("cid", "required when bReq=0"))
		return
	}
	if err := s.canReply(ctx, c.Request, f.CID); err != nil {
		s.legacyError(c, f.CID, err)
		return
	}
	ref, err := s.keepReplyFile(c, f.CID, u)
	if err != nil {
		s.legacyError(c, f.CID, err)
		return
	}
	if f.RawData, err = s.saveReplyFile(f.RawData, ref); err != nil {
		s.blobs.Remove(ref.ID)
		s.legacyError(c, f.CID, err)
		return
	}
	isEnd := f.IsEnd
	r, _, err := s.storeReply(ctx, f.CID, hub.ReplyInput{Seq: f.Seq, IsEnd: &isEnd, Data: f.RawData, File: ref})
	if err != nil {
		s.legacyError(c, f.CID, err)
		return
	}
	if r.File != nil {
		ref = r.File
	}
	c.JSON(http.StatusOK, legacyResult{Code: legacyOK, Msg: legacyOKMsg, CID: f.CID,
		Data: gin.H{"seq": r.Seq, "offset": r.Offset, "file": ref}, FilePath: ref.URL})
}

// tokenMayAnswer refuses, before the file part is spooled, a request
// that only a reply token authenticates (knownBeforeUpload let it in,
// its cid unknown then) unless the fields before the file name the cid
// the token answers for, by callbackId or cid: a forged or another cid's
// token puts nothing on the disk. A key or an allowed address is
// authenticated already; what it may do is checked once the form is read.
func (s *Server) tokenMayAnswer(r *http.Request, v url.Values) error {
	if replyToken(r) == "" {
		return nil
	}
	if _, ok := s.lookupKey(bearer(r)); ok {
		return nil
	}
	cid := v.Get("cid")
	if id := v.Get("callbackId"); id != "" {
		step, err := s.hub.CallbackStep(id)
		if err != nil {
			return err
		}
		cid = step.CID
	}
	if cid == "" {
		return hub.Invalid("callbackId", "required before the file part when a reply token authenticates (or cid)")
	}
	return s.canReply(r.Context(), r, cid)
}

// knownBeforeUpload refuses, before the body is read, a request that
// cannot be authorised: no key, no allowed address, not dev mode. Reply
// tokens pass here and are checked against the cid later.
func (s *Server) knownBeforeUpload(r *http.Request) error {
	p, _, err := s.authenticate(r)
	if err != nil {
		return err
	}
	p.Token = bearer(r) // a reply token, checked against the cid later
	return s.hub.Presented(p, "Authorization: Bearer <key or reply token>")
}
