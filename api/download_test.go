package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

func TestDownloadSync(t *testing.T) {
	r := newRig(t, rigOptions{})
	file, sum := randomFile(t, 5<<20)
	r.svc.answer = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="q3.pdf"`)
		w.Write(file)
	}
	body, _ := json.Marshal(map[string]any{"serviceId": "svc", "path": "/report", "download": true})
	req, _ := http.NewRequest("POST", r.URL+"/v1/requests", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer shop-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(got)
	if resp.StatusCode != 200 || hex.EncodeToString(h[:]) != sum || resp.Header.Get("Content-Type") != "application/pdf" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="q3.pdf"` || resp.Header.Get("Callhub-Cid") == "" {
		t.Fatalf("download = %d %v, %d bytes", resp.StatusCode, resp.Header, len(got))
	}
	if resp.Trailer.Get("Callhub-Sha256") != sum {
		t.Errorf("Callhub-Sha256 trailer = %q, want %s", resp.Trailer.Get("Callhub-Sha256"), sum)
	}
}

// hangUp closes the connection of w's request without an answer, as a
// service that crashed mid-request would.
func hangUp(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
	}
}

// TestDownloadServiceFailures: a download from a service that cannot be
// reached, hangs up or is too slow fails as a request does, 502 or 504,
// not as if the caller had gone away.
func TestDownloadServiceFailures(t *testing.T) {
	tests := []struct {
		name   string
		fail   func(r *rig)
		status int
		msg    string
	}{
		{"unreachable", func(r *rig) { r.svc.srv.Close() }, http.StatusBadGateway, "unreachable"},
		{"hung up", func(r *rig) { r.svc.answer = func(w http.ResponseWriter, _ *http.Request) { hangUp(w) } }, http.StatusBadGateway, "unreachable"},
		{"timed out", func(r *rig) {
			r.svc.answer = func(_ http.ResponseWriter, req *http.Request) { <-req.Context().Done() }
		}, http.StatusGatewayTimeout, "in time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, rigOptions{})
			tt.fail(r)
			status, a := r.do("POST", "/v1/requests", "shop-key",
				map[string]any{"serviceId": "svc", "path": "/report", "download": true, "timeoutMs": 50})
			if status != tt.status || a.Code != tt.status || !strings.Contains(a.Msg, tt.msg) || a.CID == "" {
				t.Fatalf("download = %d %+v, want %d naming %q, with its cid", status, a, tt.status, tt.msg)
			}
			if status, rec := r.do("GET", "/v1/requests/"+a.CID, "shop-key", nil); status != 200 || rec.State != "failed" {
				t.Errorf("the failed download's record = %d %+v, want state failed", status, rec)
			}
		})
	}
}

// replyWithFile posts a multipart reply carrying a file, as a service.
func (r *rig) replyWithFile(cid, token string, file []byte) (int, answer) {
	r.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("reply", `{"seq":1,"isEnd":true,"data":{"rows":3}}`)
	w, _ := mw.CreateFormFile("file", "export.csv")
	w.Write(file)
	mw.Close()
	return r.postMultipart("/v1/replies/"+cid, token, &buf, mw.FormDataContentType())
}

func TestDownloadAsyncFileReply(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	file, sum := randomFile(t, 4<<20)
	if status, ans := r.replyWithFile(a.CID, r.replyToken(), file); status != 202 {
		t.Fatalf("file reply = %d %+v", status, ans)
	}
	conn := r.dial("cid="+a.CID+"&token="+a.WSToken, "")
	var f struct {
		Type string `json:"type"`
		File struct {
			ID     string `json:"id"`
			Name   string `json:"name"`
			Size   int64  `json:"size"`
			SHA256 string `json:"sha256"`
			URL    string `json:"url"`
		} `json:"file"`
	}
	for f.Type != "reply" {
		readJSON(t, conn, &f)
	}
	if f.File.SHA256 != sum || f.File.Size != 4<<20 || f.File.Name != "export.csv" || f.File.URL != r.URL+"/v1/files/"+f.File.ID {
		t.Fatalf("reply file = %+v", f.File)
	}
	get := func(key, rng, ifRange string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", f.File.URL, nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		if ifRange != "" {
			req.Header.Set("If-Range", ifRange)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, body := get("shop-key", "", "")
	if h := sha256.Sum256(body); resp.StatusCode != 200 || hex.EncodeToString(h[:]) != sum {
		t.Errorf("GET file = %d, %d bytes; want the whole file", resp.StatusCode, len(body))
	}
	resp, body = get("shop-key", "bytes=1000-1999", `"`+sum+`"`)
	if resp.StatusCode != 206 || !bytes.Equal(body, file[1000:2000]) {
		t.Errorf("Range with matching If-Range = %d, %d bytes; want 206 and bytes 1000-1999", resp.StatusCode, len(body))
	}
	resp, body = get("shop-key", "bytes=1000-1999", `"stale"`)
	if resp.StatusCode != 200 || len(body) != len(file) {
		t.Errorf("Range with stale If-Range = %d, want the whole file", resp.StatusCode)
	}
	if resp, _ := get("other-key", "", ""); resp.StatusCode != 404 {
		t.Errorf("another caller = %d, want 404", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", f.File.URL+"?token="+a.WSToken, nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("with the cid's ws token = %v %v, want 200", resp, err)
	} else {
		resp.Body.Close()
	}
	if resp, _ := get("shop-key", "", ""); resp.Header.Get("Content-Disposition") != `attachment; filename="export.csv"` {
		t.Errorf("Content-Disposition = %q", resp.Header.Get("Content-Disposition"))
	}
	if status, _ := r.do("GET", "/v1/files/0123456789abcdef0123456789abcdef", "shop-key", nil); status != 404 {
		t.Errorf("unknown file = %d, want 404", status)
	}
}
