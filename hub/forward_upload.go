package hub

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// Upload is a file spooled by the hub, to be forwarded with a request.
type Upload struct {
	Path        string
	Name        string
	ContentType string
	Size        int64
	SHA256      string
	// Remove deletes the file; the front door that spooled it sets it.
	// Whoever holds the Upload owns the file: the front door until it
	// hands the request to Submit, then the hub, which calls Remove once
	// it is done with the file, whatever the outcome.
	Remove func()
}

// release removes u's file, if u has one to remove.
func (u *Upload) release() {
	if u != nil && u.Remove != nil {
		u.Remove()
	}
}

// multipartBody streams the request's form fields, its cid and the file as
// multipart/form-data. Its writing goroutine starts at the first Read, so
// a body never read (the forward failed before sending) starts nothing;
// Close ends the goroutine and waits for it. The HTTP client always closes
// a request's body; whoever builds one and does not send it must close it.
type multipartBody struct {
	req     Request
	mw      *multipart.Writer
	pr      *io.PipeReader
	pw      *io.PipeWriter
	started sync.Once
	done    chan struct{} // closed when the writer has ended, or at Close if it never started
}

func newMultipartBody(req Request) *multipartBody {
	pr, pw := io.Pipe()
	return &multipartBody{req: req, mw: multipart.NewWriter(pw), pr: pr, pw: pw, done: make(chan struct{})}
}

// ContentType is the body's multipart/form-data type with its boundary.
func (b *multipartBody) ContentType() string { return b.mw.FormDataContentType() }

func (b *multipartBody) Read(p []byte) (int, error) {
	b.started.Do(func() {
		go func() {
			defer close(b.done)
			b.pw.CloseWithError(writeMultipart(b.mw, b.req))
		}()
	})
	return b.pr.Read(p)
}

// Close stops the writer (its next write fails) and waits for it.
func (b *multipartBody) Close() error {
	err := b.pr.Close()
	b.started.Do(func() { close(b.done) })
	<-b.done
	return err
}

func writeMultipart(mw *multipart.Writer, req Request) error {
	fields := url.Values{}
	addValues(fields, req.Form)
	fields.Set("cid", req.CID)
	for k, vs := range fields {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				return err
			}
		}
	}
	f, err := os.Open(req.Upload.Path)
	if err != nil {
		return fmt.Errorf("open spooled upload: %w", err)
	}
	defer f.Close()
	h := textproto.MIMEHeader{}
	field := req.FileField
	if field == "" {
		field = "file"
	}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, SafeName(req.Upload.Name)))
	ct := req.Upload.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := io.Copy(part, f); err != nil {
		return err
	}
	return mw.Close()
}

// forwardInBackground forwards an async upload after Submit answered, and
// posts the service's answer as the step's reply. The spooled file is
// removed when it is done. The forward ends p.
func (h *Hub) forwardInBackground(svc Service, req Request, step Step, p *pass) {
	h.wg.Go(func() {
		defer req.Upload.release()
		ctx := context.WithoutCancel(h.ctx)
		out, ferr := h.forward(ctx, svc, req, p)
		step.Done, step.At, step.Status, step.Data = true, h.Now(), out.Status, out.Data
		in := ReplyInput{Seq: req.Seq, IsEnd: ptrBool(req.End()), Data: out.Data}
		switch {
		case ferr != nil:
			step.Error, step.TimedOut = ferr.Error(), errors.Is(ferr, ErrTimeout)
			in.Code, in.Msg, in.Data = 502, ferr.Error(), nil
		case out.Status >= 300:
			in.Code, in.Msg = out.Status, fmt.Sprintf("service answered HTTP %d", out.Status)
		}
		if err := h.store.FinishStep(ctx, req.CID, step); err != nil {
			h.logger.Error("store upload outcome", "cid", req.CID, "err", err)
		}
		if _, _, err := h.PostReply(ctx, req.CID, in); err != nil {
			h.logger.Error("reply with upload outcome", "cid", req.CID, "err", err)
		}
	})
}

func ptrBool(b bool) *bool { return &b }

// uploadAccepted is what an async upload answers at once.
var uploadAccepted = json.RawMessage(`{"accepted":true,"forwarding":"in background"}`)

// checkUpload refuses an upload whose declared hash does not match what
// was received.
func checkUpload(req Request) error {
	if req.Upload == nil || req.SHA256 == "" {
		return nil
	}
	if !SameSHA256(req.SHA256, req.Upload.SHA256) {
		return Invalid("sha256", "declared %s, received file hashes to %s: nothing forwarded", req.SHA256, req.Upload.SHA256)
	}
	return nil
}

// SafeName reduces a client's file name to a plain base name: no
// directories, no control characters, never empty.
func SafeName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' || r == '/' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	if name == "" {
		return "file"
	}
	if len(name) > 200 {
		name = name[:200]
	}
	return name
}

// SameSHA256 reports whether declared is the SHA-256 sum whose plain hex
// form is sum: written as plain hex (either case), or as the old Java
// client writes it, byte by byte with Integer.toHexString(b & 0xff), so
// that bytes below 0x10 have one digit instead of two.
func SameSHA256(declared, sum string) bool {
	declared = strings.TrimSpace(declared)
	if strings.EqualFold(declared, sum) {
		return true
	}
	b, err := hex.DecodeString(sum)
	if err != nil {
		return false
	}
	return strings.EqualFold(declared, unpaddedHex(b))
}

// unpaddedHex writes each byte in hex without a leading zero.
func unpaddedHex(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		sb.WriteString(strconv.FormatUint(uint64(c), 16))
	}
	return sb.String()
}
