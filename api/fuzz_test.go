package api

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/filestore"
	"github.com/callhub/callhub/hub/memstore"
)

// FuzzDecodeRequest: no input panics the request decoder, and every
// refusal is a 400 naming a field, in the client's words.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"serviceId":"svc","path":"/x"}`,
		`{"serviceId":"svc","method":"post","path":"/x?a=1","form":{"a":[1,"b",null]},"async":true,"callback":{"url":"/cb"}}`,
		`{"serviceId":"svc","path":"/x","body":{"deep":[[[[1]]]]},"seq":-1}`,
		`{"serviceId":1}`, `[]`, `null`, `{"path":"/x","cid":"bad cid!"}`, "{\"serviceId\":\"\xff\"}", `{}{}`, ``,
		`{"headers":{"a":"b","C":1}}`, `{"HEADERS":{"a":1},"headers":{"b":[]}}`, `{"callback":{"url":{}}}`,
		`{"seq":1e3,"timeoutMs":1.5}`, `{"timeoutMs":-9223372036854775809}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := decodeRequest(b)
		if err != nil && !errors.Is(err, hub.ErrInvalid) {
			t.Errorf("decodeRequest(%q) = %v, want nil or ErrInvalid", b, err)
		}
		noGoNames(t, b, err)
	})
}

// noGoNames fails t if err, refusing input, reads like Go rather than
// the client's JSON: a Go type or package, or encoding/json's own words
// (unless input holds them, as a field name it echoes).
func noGoNames(t *testing.T, input []byte, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range []string{"hub.", "api.", "Request.", "struct {", "map[", "json:", "Go value", "Go struct"} {
		if strings.Contains(err.Error(), s) && !bytes.Contains(input, []byte(s)) {
			t.Errorf("%q refused with %q, which names %q", input, err, s)
		}
	}
}

// FuzzDecodeFrame: no input panics the WebSocket frame decoder, and a
// refusal is in the client's words.
func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{
		`{"op":"subscribe","cid":"a","token":"t","since":"1-0"}`, `{"op":"subscribe","caller":"shop"}`,
		`{"op":"unsubscribe","cid":"a"}`, `{"op":"ping"}`, `{"op":1}`, `{"op":"subscribe","since":"x-"}`, `]`, `[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := decodeFrame(b)
		if err != nil && !errors.Is(err, hub.ErrInvalid) {
			t.Errorf("decodeFrame(%q) = %v, want nil or ErrInvalid", b, err)
		}
		noGoNames(t, b, err)
	})
}

// FuzzLegacyForm: no urlencoded body panics the old form decoder, and
// every refusal names a field (ErrInvalid).
func FuzzLegacyForm(f *testing.F) {
	for _, s := range []string{
		"serviceId=1&url=/x&method=post&data=%7B%22a%22%3A1%7D&bReq=1&sync=0&callbackUrl=/cb&callbackMethod=POST",
		"bReq=0&cid=c1&seq=2&isEnd=0&data=%7B%7D&callbackId=cb.x.1.y",
		"seq=-1", "isEnd=maybe", "data=%7B", "headers=%5B1%5D", "serviceId=%ff", "", "a=1&a=2&;;&=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return // net/http refuses it before the decoder sees it
		}
		lf, err := parseLegacyForm(v)
		if err == nil {
			_, err = lf.request()
		}
		if err != nil && !errors.Is(err, hub.ErrInvalid) {
			t.Errorf("old form %q = %v, want nil or ErrInvalid", body, err)
		}
	})
}

// FuzzMultipartReply: no multipart body of POST /v1/replies/{cid} panics
// the hub or gets a 5xx: a reply is stored, or refused with a 4xx.
func FuzzMultipartReply(f *testing.F) {
	const boundary = "fuzzboundary"
	for _, s := range []string{
		"--fuzzboundary\r\nContent-Disposition: form-data; name=\"reply\"\r\n\r\n{\"seq\":1,\"isEnd\":false}\r\n" +
			"--fuzzboundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello\r\n--fuzzboundary--\r\n",
		"--fuzzboundary\r\nContent-Disposition: form-data; name=\"reply\"\r\n\r\n{\"seq\":\r\n--fuzzboundary--\r\n",
		"--fuzzboundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../x\"\r\n\r\nx\r\n--fuzzboundary--",
		"--fuzzboundary--", "", "--other\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	store := &memstore.Store{}
	h, err := hub.New(hub.Config{Open: true, Store: store, Broker: &memstore.Broker{}, Secret: []byte("fuzz")})
	if err != nil {
		f.Fatal(err)
	}
	defer h.Close()
	srv := New(Config{Hub: h, Blobs: &filestore.Blobs{Dir: f.TempDir()}, MaxBodyBytes: 64 << 10, MaxFileBytes: 64 << 10})
	const cid = "fuzz-cid"
	store.CreateRequest(context.Background(), hub.Record{CID: cid, Caller: "dev", ServiceID: "svc", CreatedAt: time.Now()})
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/v1/replies/"+cid, bytes.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Errorf("multipart reply %q = %d %s, want 2xx or 4xx", body, rec.Code, rec.Body)
		}
	})
}
