package api_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// contract is openapi.yaml, loaded and checked once for every rig.
var contract = sync.OnceValues(func() (routers.Router, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile("openapi.yaml")
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	return gorillamux.NewRouter(doc)
})

// validated wraps a rig's front handler h so that every exchange a test
// has with the hub is checked against openapi.yaml, failing t:
//   - the route (path and method) is documented, unless the hub answered
//     404 or 405 (a test probing what is not there);
//   - the answer's status is documented for the operation, with its
//     content type and headers, and a JSON body matches its schema;
//   - a request the hub accepted (2xx) matches the operation's
//     parameters and request body. A refused one is not checked: tests
//     send bad input on purpose, and the answer (a documented 4xx) is.
//
// Not checked: what follows a WebSocket upgrade (frames), the bodies of
// SSE streams and of other non-JSON answers (files, metrics, the YAML
// document: only their status, headers and content type are), and
// exchanges whose client left before the answer.
//
// Requests are checked after the handler returns; t's cleanup waits for
// those in flight, so it must run after the servers close: call
// validated before registering their cleanups.
func validated(t *testing.T, h http.Handler) http.Handler {
	t.Helper()
	router, err := contract()
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	var inflight sync.WaitGroup
	t.Cleanup(inflight.Wait)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inflight.Add(1)
		defer inflight.Done()
		var sent bytes.Buffer
		if r.Body != nil {
			r.Body = teeBody{r.Body, io.TeeReader(r.Body, &sent)}
		}
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if rec.hijacked || r.Context().Err() != nil {
			return
		}
		if err := check(router, r, sent.Bytes(), rec); err != nil {
			t.Errorf("openapi.yaml: %s %s = %d: %v", r.Method, r.URL.RequestURI(), rec.code(), err)
		}
	})
}

// check validates one exchange against the document.
func check(router routers.Router, r *http.Request, sent []byte, rec *recorder) error {
	req := r.Clone(context.Background())
	req.Body = io.NopCloser(bytes.NewReader(sent))
	if len(sent) > 0 && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json") // as the hub reads it
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		if rec.code() == http.StatusNotFound || rec.code() == http.StatusMethodNotAllowed {
			return nil
		}
		return err
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if rec.code() < 300 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			return err
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.code(), Header: rec.Header(),
		Body: io.NopCloser(&rec.body), Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	if !rec.keep {
		out.Options.ExcludeResponseBody = true
		if err := documentedType(route, rec); err != nil {
			return err
		}
	}
	return openapi3filter.ValidateResponse(context.Background(), out)
}

// documentedType checks the content type of an answer whose body is not
// validated: openapi3filter skips it along with the body.
func documentedType(route *routers.Route, rec *recorder) error {
	resp := route.Operation.Responses.Status(rec.code())
	if resp == nil {
		resp = route.Operation.Responses.Default()
	}
	if resp == nil || resp.Value == nil || len(resp.Value.Content) == 0 {
		return nil
	}
	if ct := rec.Header().Get("Content-Type"); resp.Value.Content.Get(ct) == nil {
		return errors.New("undocumented content type " + ct)
	}
	return nil
}

// teeBody is a request body that copies what the handler reads.
type teeBody struct {
	io.Closer
	io.Reader
}

// recorder passes an answer through, keeping its status and, for JSON,
// its body. It flushes and hijacks for the streams.
type recorder struct {
	http.ResponseWriter
	status   int
	keep     bool // the body is JSON: keep it for validation
	hijacked bool
	body     bytes.Buffer
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status = code
		w.keep = isJSON(w.Header().Get("Content-Type"))
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.keep {
		w.body.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

func (w *recorder) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

func (w *recorder) Flush() {
	http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.hijacked = true
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// TestContractCheck: the check every rig runs tells a documented exchange
// from one the document does not allow.
func TestContractCheck(t *testing.T) {
	router, err := contract()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, path, body string
		status                   int
		answer                   string
		ok                       bool
	}{
		{"documented", "GET", "/healthz", "", 200, `{"code":0,"msg":"ok"}`, true},
		{"undocumented status", "GET", "/healthz", "", 418, `{"code":418,"msg":"teapot"}`, false},
		{"body off its schema", "GET", "/v1/stats", "", 200, `{"code":"zero"}`, false},
		{"undocumented route", "GET", "/v1/nothing", "", 200, `{}`, false},
		{"unknown route refused", "GET", "/v1/nothing", "", 404, `{}`, true},
		{"accepted request off its schema", "POST", "/v1/requests", `{"serviceId":7}`, 202, `{"code":0,"msg":"ok"}`, false},
		{"refused request", "POST", "/v1/requests", `{"serviceId":7}`, 400, `{"code":400,"msg":"serviceId: must be a string","cid":""}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			rec := &recorder{ResponseWriter: httptest.NewRecorder()}
			rec.Header().Set("Content-Type", "application/json")
			rec.WriteHeader(tt.status)
			io.WriteString(rec, tt.answer)
			if err := check(router, r, []byte(tt.body), rec); (err == nil) != tt.ok {
				t.Errorf("check = %v, want ok %v", err, tt.ok)
			}
		})
	}
}
