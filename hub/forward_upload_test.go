package hub

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
)

// spooled writes a 1 MiB spooled upload and returns it.
func spooled(t *testing.T) *Upload {
	t.Helper()
	path := filepath.Join(t.TempDir(), "up")
	if err := os.WriteFile(path, bytes.Repeat([]byte("x"), 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	return &Upload{Path: path, Name: "f.bin", Size: 1 << 20}
}

// TestForwardBuildFailureLeavesNoWriter: when building an upload's
// forward fails, no multipart writer is left blocked on its pipe (synctest
// fails a test whose goroutines outlive it).
func TestForwardBuildFailureLeavesNoWriter(t *testing.T) {
	up := spooled(t)
	synctest.Test(t, func(t *testing.T) {
		h := &Hub{tokens: Tokens{Secret: []byte("k")}}
		req := Request{CID: "c", Method: "BAD METHOD", Path: "/x", Seq: 1, Upload: up}
		if _, err := h.buildForward(t.Context(), Service{ID: "s", BaseURL: "http://127.0.0.1:9"}, req); err == nil {
			t.Fatal("buildForward with a bad method succeeded")
		}
	})
}

// TestMultipartBodyClose: Close after a partial read ends the writer; a
// body read to the end is the form fields, the cid and the whole file.
func TestMultipartBodyClose(t *testing.T) {
	up := spooled(t)
	synctest.Test(t, func(t *testing.T) {
		b := newMultipartBody(Request{CID: "c", Upload: up})
		if _, err := b.Read(make([]byte, 10)); err != nil {
			t.Fatal(err)
		}
		b.Close()
	})
	b := newMultipartBody(Request{CID: "c", Form: map[string]any{"a": "1"}, Upload: up})
	defer b.Close()
	_, params, _ := mime.ParseMediaType(b.ContentType())
	form, err := multipart.NewReader(b, params["boundary"]).ReadForm(2 << 20)
	if err != nil {
		t.Fatal(err)
	}
	defer form.RemoveAll()
	if form.Value["cid"][0] != "c" || form.Value["a"][0] != "1" || len(form.File["file"]) != 1 || form.File["file"][0].Size != 1<<20 {
		t.Errorf("form = %v with files %v, want cid, a and the 1 MiB file", form.Value, form.File)
	}
	if _, err := io.ReadAll(b); err != nil {
		t.Errorf("read after the end = %v", err)
	}
}

func TestSafeName(t *testing.T) {
	tests := map[string]string{
		"report.pdf": "report.pdf", "../../etc/passwd": "passwd", `..\..\windows\system.ini`: "system.ini",
		"": "file", "..": "file", "/": "file", "a\x00b\nc.txt": "abc.txt", ".hidden": "hidden", `q"uote`: "quote",
	}
	for in, want := range tests {
		if got := SafeName(in); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
}
