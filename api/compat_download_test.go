package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callhub/callhub/api"
	"github.com/callhub/callhub/hub/filestore"
)

// report is what the captured download's service answered.
var report = []byte(strings.Repeat("hello from service 1\n", 10))

func serveReport(r *replayRig, declared string) {
	r.svc.answer = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Disposition", `attachment; filename="../report.txt"`)
		if declared != "" {
			w.Header().Set("Callhub-Sha256", declared)
		}
		w.Write(report)
	}
}

// TestReplayDownloadToDir: req14 with compat.downloadDir gets the old
// answer, {code 0, "Action OK", cid, filePath: the saved file}, which the
// old client parses (it threw on the streamed file before).
func TestReplayDownloadToDir(t *testing.T) {
	dir := t.TempDir()
	r := newReplayRig(t, api.Compat{Downloads: &filestore.Downloads{Dir: dir}})
	sum := sha256.Sum256(report)
	serveReport(r, javaHex(sum))
	h, body := captured(t, "req14.txt")
	status, res := r.replay("/download", h, body)
	cid := capturedForm(t, "req14.txt").Get("cid")
	if status != 200 || res.Code != 0 || res.Msg != "Action OK" || res.CID != cid {
		t.Fatalf("replayed req14 = %d %+v, want code 0 Action OK", status, res)
	}
	if filepath.Dir(res.FilePath) != dir || !strings.HasSuffix(res.FilePath, "-report.txt") {
		t.Errorf("filePath = %q, want a new name in %s", res.FilePath, dir)
	}
	if got := bytesOf(t, res.FilePath); !bytes.Equal(got, report) {
		t.Errorf("saved file = %q, want the service's", got)
	}
}

// TestReplayDownloadURL: without compat.downloadDir, filePath is the
// file's /v1/files URL.
func TestReplayDownloadURL(t *testing.T) {
	r := newReplayRig(t, api.Compat{})
	serveReport(r, "")
	h, body := captured(t, "req14.txt")
	_, res := r.replay("/download", h, body)
	if res.Code != 0 || !strings.HasPrefix(res.FilePath, r.URL+"/v1/files/") {
		t.Fatalf("replayed req14 = %+v, want code 0 and a file URL", res)
	}
}

// TestReplayDownloadHashMismatch: a file that does not match the hash
// its service declared is code 2 and is not kept.
func TestReplayDownloadHashMismatch(t *testing.T) {
	dir := t.TempDir()
	r := newReplayRig(t, api.Compat{Downloads: &filestore.Downloads{Dir: dir}})
	serveReport(r, strings.Repeat("0", 64))
	h, body := captured(t, "req14.txt")
	if _, res := r.replay("/download", h, body); res.Code != 2 || !strings.Contains(res.Msg, "hashes to") {
		t.Errorf("mismatching download = %+v, want code 2", res)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("%d files left in downloadDir, want none", len(left))
	}
}

// TestReplayAsyncDownloadByCallbackID: an async download answered by an
// old service with a file and its callbackId is saved in downloadDir,
// and the caller app's old-form callback carries its path as filePath.
func TestReplayAsyncDownloadByCallbackID(t *testing.T) {
	dir := t.TempDir()
	r := newReplayRig(t, api.Compat{Downloads: &filestore.Downloads{Dir: dir}})
	cid, id := r.asyncStep("POST", "/test/post")
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range map[string]string{"bReq": "0", "callbackId": id, "cid": "random", "seq": "1", "data": `{"kind":"report"}`} {
		mw.WriteField(k, v)
	}
	w, _ := mw.CreateFormFile("file", "report.txt")
	w.Write(report)
	mw.Close()
	res := r.postLegacyMultipart("/file", "", &buf, mw.FormDataContentType())
	if res.Code != 0 || res.CID != cid || !strings.HasPrefix(res.FilePath, r.URL+"/v1/files/") {
		t.Fatalf("file answer by callbackId = %+v, want code 0 for %s", res, cid)
	}
	_, body := r.hooks.wait(t, 0)
	form, _ := url.ParseQuery(body)
	if form.Get("kind") != "report" || form.Get("cid") != cid || filepath.Dir(form.Get("filePath")) != dir {
		t.Fatalf("callback = %q, want data's fields, cid and filePath in %s", body, dir)
	}
	sum := sha256.Sum256(bytesOf(t, form.Get("filePath")))
	if want := sha256.Sum256(report); hex.EncodeToString(sum[:]) != hex.EncodeToString(want[:]) {
		t.Errorf("saved file differs from the service's")
	}
}
