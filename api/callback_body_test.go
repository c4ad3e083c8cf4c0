package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/callhub/callhub/internal/testwait"
	"github.com/getkin/kin-openapi/openapi3"
)

// bodies is a callback receiver that keeps each POST body.
type bodies struct {
	mu  sync.Mutex
	got [][]byte
}

func (b *bodies) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.got = append(b.got, body)
}

func (b *bodies) all() [][]byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([][]byte(nil), b.got...)
}

// TestCallbackBodyMatchesContract: the bodies of real POST callbacks — a
// reply with data, one without, one with a file — match openapi.yaml's
// CallbackBody (every field present, data and file null when the reply
// has none, nothing else), which README and docs/callbacks.md describe.
func TestCallbackBodyMatchesContract(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	schema := doc.Components.Schemas["CallbackBody"].Value

	recv := &bodies{}
	hs := httptest.NewServer(recv)
	defer hs.Close()
	r := newRig(t, rigOptions{hooks: hs.URL})
	a := r.async(map[string]any{"callback": map[string]string{"url": "/cb", "method": "POST"}})
	tok := r.replyToken()
	r.mustReply(a.CID, tok, map[string]any{"seq": 1, "isEnd": false, "data": map[string]int{"n": 1}})
	r.mustReply(a.CID, tok, map[string]any{"seq": 2, "isEnd": false, "code": 7, "msg": "no data"})
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("reply", `{"seq":3,"isEnd":true}`)
	w, _ := mw.CreateFormFile("file", "export.csv")
	w.Write([]byte("a,b\n"))
	mw.Close()
	if status, ans := r.postMultipart("/v1/replies/"+a.CID, tok, &buf, mw.FormDataContentType()); status != http.StatusAccepted {
		t.Fatalf("file reply = %d %+v", status, ans)
	}
	testwait.Until(t, "three callbacks", func() bool { return len(recv.all()) == 3 })

	for i, body := range recv.all() {
		var v map[string]any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("callback %d: %v: %s", i+1, err, body)
		}
		if err := schema.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.EnableFormatValidation()); err != nil {
			t.Errorf("callback %d does not match CallbackBody: %v\n%s", i+1, err, body)
		}
		seq, _ := v["seq"].(float64)
		switch seq {
		case 1:
			if v["file"] != nil || v["data"] == nil {
				t.Errorf("callback of seq 1 = %s, want its data and file null", body)
			}
		case 2:
			if v["data"] != nil || v["file"] != nil {
				t.Errorf("callback of seq 2 = %s, want data and file null", body)
			}
		case 3:
			if f, _ := v["file"].(map[string]any); f["name"] != "export.csv" {
				t.Errorf("callback of seq 3 = %s, want its file", body)
			}
		}
	}
}
