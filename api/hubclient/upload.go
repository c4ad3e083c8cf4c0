package hubclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"path/filepath"
	"strings"
)

// errAborted ends a multipart writer whose request is over.
var errAborted = errors.New("hubclient: request ended")

// upload is a file to send beside a reply.
type upload struct {
	name string
	body io.Reader
}

// multipart streams the reply in and the file as a multipart body. The
// writer goroutine ends when the body is read to its end or closed; wait
// waits for it and returns what stopped it, nil when it wrote everything.
func (u *upload) multipart(in ReplyInput) (body *io.PipeReader, contentType string, wait func() error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	done := make(chan error, 1)
	go func() {
		err := u.write(mw, in)
		pw.CloseWithError(err)
		done <- err
	}()
	return pr, mw.FormDataContentType(), func() error {
		if err := <-done; err != nil && !errors.Is(err, errAborted) && !errors.Is(err, io.ErrClosedPipe) {
			return err
		}
		return nil
	}
}

func (u *upload) write(mw *multipart.Writer, in ReplyInput) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="reply"`)
	h.Set("Content-Type", "application/json")
	w, err := mw.CreatePart(h)
	if err == nil {
		_, err = w.Write(b)
	}
	if err != nil {
		return err
	}
	if w, err = mw.CreatePart(u.header()); err != nil {
		return err
	}
	if _, err := io.Copy(w, u.body); err != nil {
		return fmt.Errorf("read file %s: %w", u.name, err)
	}
	return mw.Close()
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "%0D", "\n", "%0A")

// header is the file part's header: its name, and a type guessed from
// the name's extension.
func (u *upload) header() textproto.MIMEHeader {
	ctype := mime.TypeByExtension(filepath.Ext(u.name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, quoteEscaper.Replace(u.name)))
	h.Set("Content-Type", ctype)
	return h
}
