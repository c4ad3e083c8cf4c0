package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
)

// oldMultipart is the old client's /file body: the ReqOption fields as
// multipart fields and the file under fileField.
func oldMultipart(fields map[string]string, field string, file []byte) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	w, _ := mw.CreateFormFile(field, "scan.png")
	w.Write(file)
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func (r *rig) postLegacyMultipart(path, key string, body io.Reader, ct string) legacyResult {
	r.t.Helper()
	req, _ := http.NewRequest("POST", r.URL+path, body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	var res legacyResult
	json.NewDecoder(resp.Body).Decode(&res)
	return res
}

func TestLegacyFileUpload(t *testing.T) {
	r := newRig(t, rigOptions{})
	receiveUpload(r)
	file, sum := randomFile(t, 3<<20)
	fields := map[string]string{"serviceId": "svc", "url": "/upload", "method": "POST", "data": `{"title":"scan"}`,
		"fileField": "doc", "fileHash": sum, "fileSave": "1", "filepath": "/tmp/scan.png"}
	body, ct := oldMultipart(fields, "doc", file)
	res := r.postLegacyMultipart("/file", "shop-key", body, ct)
	var got map[string]any
	json.Unmarshal(res.Data, &got)
	if res.Code != 0 || got["sha256"] != sum || got["title"] != "scan" || res.FilePath != "scan.png" {
		t.Fatalf("/file = %+v, service got %v", res, got)
	}
	fields["fileHash"] = strings.Repeat("a", 64)
	body, ct = oldMultipart(fields, "doc", file)
	if res := r.postLegacyMultipart("/file", "shop-key", body, ct); res.Code != 1 || !strings.Contains(res.Msg, "sha256") {
		t.Errorf("/file with a wrong fileHash = %+v, want code 1 naming the hash", res)
	}
}

// TestLegacyFileReplyAndDownload: a service answers an async request with
// a file through /file bReq=0; a sync /download streams a file back.
func TestLegacyFileReplyAndDownload(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	file, sum := randomFile(t, 1<<20)
	body, ct := oldMultipart(map[string]string{"cid": a.CID, "bReq": "0", "data": `{"ok":1}`}, "file", file)
	res := r.postLegacyMultipart("/file", r.replyToken(), body, ct)
	if res.Code != 0 || !strings.HasPrefix(res.FilePath, r.URL+"/v1/files/") {
		t.Fatalf("/file bReq=0 = %+v", res)
	}
	if fetchFile(t, res.FilePath) != sum {
		t.Errorf("kept file differs from the service's")
	}
	r.svc.answer = func(w http.ResponseWriter, _ *http.Request) { w.Write(file) }
	form := url.Values{"serviceId": {"svc"}, "url": {"/export"}, "method": {"GET"}, "sync": {"1"}}
	_, res = r.postForm("/download", "shop-key", form.Encode())
	if res.Code != 0 || res.Msg != "Action OK" || !strings.HasPrefix(res.FilePath, r.URL+"/v1/files/") {
		t.Fatalf("/download = %+v, want code 0 and the file's URL", res)
	}
	if got := fetchFile(t, res.FilePath); got != sum {
		t.Errorf("/download kept a file hashing to %s, want the service's %s", got, sum)
	}
}

// fetchFile reads a kept file as shop and returns its SHA-256.
func fetchFile(t *testing.T, u string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer shop-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func TestLegacyDownloadErrorIsInterCoResult(t *testing.T) {
	r := newRig(t, rigOptions{})
	form := url.Values{"serviceId": {"nope"}, "url": {"/export"}, "sync": {"1"}}
	req, _ := http.NewRequest("POST", r.URL+"/download", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer shop-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res legacyResult
	json.NewDecoder(resp.Body).Decode(&res)
	if res.Code != 1 || !strings.Contains(res.Msg, "serviceId: no registration") {
		t.Errorf("/download to an unknown service = %+v, want code 1 no registration", res)
	}
}

func TestFileRefusedBeforeSpooling(t *testing.T) {
	r := newRig(t, rigOptions{})
	file, _ := randomFile(t, 1<<20)
	body, ct := oldMultipart(map[string]string{"serviceId": "svc", "url": "/upload"}, "file", file)
	req, _ := http.NewRequest("POST", r.URL+"/file", body)
	req.Header.Set("Content-Type", ct)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res legacyResult
	json.NewDecoder(resp.Body).Decode(&res)
	if res.Code != 5 || !r.spoolEmpty() {
		t.Errorf("keyless /file = %+v, want code 5 and nothing spooled", res)
	}
}

// TestDuplicateFileReplyKeepsOneFile: a repeated file reply is answered
// with the first one's file and leaves no orphan behind.
func TestDuplicateFileReplyKeepsOneFile(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	tok := r.replyToken()
	file, _ := randomFile(t, 64<<10)
	for range 2 {
		r.replyWithFile(a.CID, tok, file)
	}
	entries, _ := filepath.Glob(r.blobs.Dir + "/files/*.json")
	if len(entries) != 1 {
		t.Errorf("%d kept files after a duplicate reply, want 1", len(entries))
	}
}

// TestLegacyFileReplyAuthenticatesFirst: an old service's file answer by
// callbackId that is not allowed to reply to the step's cid (a forged
// reply token, another cid's token, another service's key) is refused
// before the file is kept: the store is never written, and the spool is
// left empty. An allowed one is kept.
func TestLegacyFileReplyAuthenticatesFirst(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	tok := r.replyToken()
	r.async(nil)
	otherTok := r.replyToken()
	callbackID := (&hub.Tokens{Secret: []byte("test")}).CallbackID(a.CID, 1, true)
	fields := map[string]string{"bReq": "0", "callbackId": callbackID}
	post := func(token string) legacyResult {
		t.Helper()
		body, ct := oldMultipart(fields, "file", []byte("a,b\n"))
		req, _ := http.NewRequest("POST", r.URL+"/file", body)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var res legacyResult
		json.NewDecoder(resp.Body).Decode(&res)
		return res
	}
	for _, bad := range []string{"rt.forged", otherTok, "othersvc-key"} {
		if res := post(bad); res.Code == 0 {
			t.Errorf("file answer with token %q = %+v, want it refused", bad, res)
		}
		if _, err := os.Stat(filepath.Join(r.blobs.Dir, "files")); !errors.Is(err, fs.ErrNotExist) || !r.spoolEmpty() {
			t.Errorf("a refused file answer touched the store (files/: %v) or left a spooled file", err)
		}
	}
	if res := post(tok); res.Code != 0 || res.FilePath == "" {
		t.Fatalf("file answer with the step's reply token = %+v, want it stored", res)
	}
}

// TestLegacyFileReplyTokenSpoolsNothing: a file answer that only a reply
// token authenticates is refused when the file part begins, before a byte
// of it reaches the disk, unless the fields before it name the cid the
// token answers for. The file part here never ends (the client holds it
// open), so a hub that spooled it would never answer.
func TestLegacyFileReplyTokenSpoolsNothing(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	r.replyToken()
	r.async(nil)
	otherTok := r.replyToken()
	callbackID := (&hub.Tokens{Secret: []byte("test")}).CallbackID(a.CID, 1, true)
	for _, tc := range []struct {
		name, token string
		fields      [][2]string
		want        string
	}{
		{"forged token", "rt.forged", [][2]string{{"bReq", "0"}, {"callbackId", callbackID}}, "reply token not valid"},
		{"another cid's token", otherTok, [][2]string{{"bReq", "0"}, {"callbackId", callbackID}}, "reply token not valid"},
		{"another cid's token, by cid", otherTok, [][2]string{{"bReq", "0"}, {"cid", a.CID}}, "reply token not valid"},
		{"file before the callbackId", otherTok, nil, "callbackId: required before the file part"},
	} {
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			for _, f := range tc.fields {
				mw.WriteField(f[0], f[1])
			}
			w, _ := mw.CreateFormFile("file", "scan.png")
			w.Write([]byte("the first bytes of a file that never ends"))
		}()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		context.AfterFunc(ctx, func() { pw.CloseWithError(ctx.Err()) }) // else Do waits for the body
		req, _ := http.NewRequestWithContext(ctx, "POST", r.URL+"/file", pr)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+tc.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			cancel()
			pw.Close()
			t.Fatalf("%s: no answer while the file part was open (spooling it?): %v", tc.name, err)
		}
		var res legacyResult
		json.NewDecoder(resp.Body).Decode(&res)
		resp.Body.Close()
		if res.Code == 0 || !strings.Contains(res.Msg, tc.want) {
			t.Errorf("%s: answer %+v, want refused with %q", tc.name, res, tc.want)
		}
		if !r.spoolEmpty() {
			t.Errorf("%s: the refused file is on the disk", tc.name)
		}
		cancel()
		pw.Close()
	}
}
