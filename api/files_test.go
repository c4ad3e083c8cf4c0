package api_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callhub/callhub/internal/testwait"
)

func randomFile(t *testing.T, n int) ([]byte, string) {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:])
}

// multipartBody builds a multipart body with one JSON part and a file.
func multipartBody(t *testing.T, jsonName string, meta any, file []byte) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	j, _ := json.Marshal(meta)
	mw.WriteField(jsonName, string(j))
	if file != nil {
		w, _ := mw.CreateFormFile("file", "../../etc/report.bin")
		w.Write(file)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func (r *rig) postMultipart(path, key string, body io.Reader, ct string) (int, answer) {
	r.t.Helper()
	req, _ := http.NewRequest("POST", r.URL+path, body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	var a answer
	json.NewDecoder(resp.Body).Decode(&a)
	return resp.StatusCode, a
}

// spoolEmpty reports whether no upload is left in the spool directory.
func (r *rig) spoolEmpty() bool {
	entries, _ := os.ReadDir(filepath.Join(r.blobs.Dir, "spool"))
	return len(entries) == 0
}

// receiveUpload makes the service read the multipart upload and answer
// with what it got.
func receiveUpload(r *rig) {
	r.svc.answer = func(w http.ResponseWriter, req *http.Request) {
		if err := req.ParseMultipartForm(1 << 20); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		f, h, err := req.FormFile("doc")
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		sum := sha256.New()
		n, _ := io.Copy(sum, f)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"sha256":%q,"size":%d,"name":%q,"cid":%q,"title":%q}`,
			hex.EncodeToString(sum.Sum(nil)), n, h.Filename, req.FormValue("cid"), req.FormValue("title"))
	}
}

func TestUploadSync(t *testing.T) {
	r := newRig(t, rigOptions{})
	receiveUpload(r)
	file, sum := randomFile(t, 6<<20)
	body, ct := multipartBody(t, "request", map[string]any{"serviceId": "svc", "path": "/upload",
		"fileField": "doc", "sha256": sum, "form": map[string]string{"title": "q3"}}, file)
	status, a := r.postMultipart("/v1/requests", "shop-key", body, ct)
	var got map[string]any
	json.Unmarshal(a.Data, &got)
	if status != 200 || got["sha256"] != sum || got["size"] != float64(6<<20) || got["cid"] != a.CID || got["title"] != "q3" {
		t.Fatalf("upload = %d %+v, service got %v", status, a, got)
	}
	if got["name"] != "report.bin" {
		t.Errorf("service got file name %v, want the sanitised report.bin", got["name"])
	}
	if !r.spoolEmpty() {
		t.Error("spooled upload left behind")
	}
}

func TestUploadWrongHash(t *testing.T) {
	r := newRig(t, rigOptions{})
	file, _ := randomFile(t, 2<<20)
	body, ct := multipartBody(t, "request", map[string]any{"serviceId": "svc", "path": "/upload",
		"sha256": strings.Repeat("0", 64)}, file)
	status, a := r.postMultipart("/v1/requests", "shop-key", body, ct)
	if status != 400 || !strings.Contains(a.Msg, "sha256") || r.svc.hits() != 0 {
		t.Errorf("wrong hash = %d %+v, service hit %d times; want 400 naming sha256, nothing forwarded", status, a, r.svc.hits())
	}
	if !r.spoolEmpty() {
		t.Error("spooled upload left behind")
	}
}

// TestUploadBadFields: an upload's request part is checked as a JSON
// request is: a 400 naming the field, nothing forwarded, nothing kept.
func TestUploadBadFields(t *testing.T) {
	r := newRig(t, rigOptions{})
	file, _ := randomFile(t, 1<<10)
	tests := []struct {
		name  string
		extra map[string]any
		msg   string
	}{
		{"timeoutMs too long", map[string]any{"timeoutMs": 9223372036855}, "timeoutMs: "},
		{"async timeoutMs too long", map[string]any{"timeoutMs": 9223372036855, "async": true}, "timeoutMs: "},
		{"explicit seq 0", map[string]any{"seq": 0}, "seq: must be ≥ 1; leave it out for 1"},
		{"seq 0 and bad path", map[string]any{"seq": 0, "path": "upload"}, "seq: must be ≥ 1; leave it out for 1; path: "},
	}
	for _, tt := range tests {
		meta := map[string]any{"serviceId": "svc", "path": "/upload"}
		maps.Copy(meta, tt.extra)
		body, ct := multipartBody(t, "request", meta, file)
		if status, a := r.postMultipart("/v1/requests", "shop-key", body, ct); status != 400 || !strings.Contains(a.Msg, tt.msg) {
			t.Errorf("%s: upload = %d %+v, want 400 with %q", tt.name, status, a, tt.msg)
		}
	}
	if r.svc.hits() != 0 {
		t.Errorf("service got %d forwards of refused uploads", r.svc.hits())
	}
	if !r.spoolEmpty() {
		t.Error("spooled upload left behind")
	}
}

func TestUploadTooLarge(t *testing.T) {
	r := newRig(t, rigOptions{maxFile: 1 << 20})
	file, _ := randomFile(t, 2<<20)
	body, ct := multipartBody(t, "request", map[string]any{"serviceId": "svc", "path": "/upload"}, file)
	if status, a := r.postMultipart("/v1/requests", "shop-key", body, ct); status != 413 || r.svc.hits() != 0 {
		t.Errorf("oversized upload = %d %+v, want 413 and nothing forwarded", status, a)
	}
	if !r.spoolEmpty() {
		t.Error("spooled upload left behind")
	}
}

// TestUploadTruncated: the client disconnects halfway through the file;
// nothing is forwarded and the spooled part is removed.
func TestUploadTruncated(t *testing.T) {
	r := newRig(t, rigOptions{})
	file, _ := randomFile(t, 4<<20)
	body, ct := multipartBody(t, "request", map[string]any{"serviceId": "svc", "path": "/upload"}, file)
	conn, err := net.Dial("tcp", strings.TrimPrefix(r.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer shop-key\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", ct, body.Len())
	conn.Write(body.Bytes()[:body.Len()/2])
	testwait.Until(t, "the upload to reach the spool", func() bool { return !r.spoolEmpty() })
	conn.Close()
	testwait.Until(t, "the spooled part to be removed", r.spoolEmpty)
	if r.svc.hits() != 0 {
		t.Errorf("service got %d forwards of a truncated upload", r.svc.hits())
	}
}

func TestUploadAsync(t *testing.T) {
	r := newRig(t, rigOptions{})
	receiveUpload(r)
	file, sum := randomFile(t, 3<<20)
	body, ct := multipartBody(t, "request", map[string]any{"serviceId": "svc", "path": "/upload",
		"fileField": "doc", "async": true, "sha256": sum}, file)
	status, a := r.postMultipart("/v1/requests", "shop-key", body, ct)
	if status != 202 || a.WSToken == "" {
		t.Fatalf("async upload = %d %+v", status, a)
	}
	conn := r.dial("cid="+a.CID+"&token="+a.WSToken, "")
	var f frame
	for f.Type != "reply" {
		f = readFrame(t, conn)
	}
	var got map[string]any
	json.Unmarshal(f.Data, &got)
	if got["sha256"] != sum || !f.IsEnd || f.Code != 0 {
		t.Errorf("reply = %+v (%v), want the service's answer with the file's hash", f, got)
	}
	testwait.Until(t, "spool cleanup", r.spoolEmpty)
}
