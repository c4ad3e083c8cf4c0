package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestUserInterface: the ui setting picks what GET / serves; off serves
// nothing, so the api answers 404.
func TestUserInterface(t *testing.T) {
	t.Parallel()
	for ui, want := range map[string]string{"console": "<title>callhub console", "playground": "<title>callhub playground"} {
		rec := httptest.NewRecorder()
		userInterface(ui).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("ui %s: GET / = %d, want a page with %q", ui, rec.Code, want)
		}
	}
	if h := userInterface("off"); h != nil {
		t.Errorf("ui off serves %T, want nothing", h)
	}
}

// TestClientWithUIOff: a hub whose ui is off still serves the browser
// client at /callhub.js, and nothing else outside its API.
func TestClientWithUIOff(t *testing.T) {
	t.Parallel()
	p := startHub(t, "callers: [{id: shop, apiKey: shop-key}]\nui: off\n")
	for _, tt := range []struct {
		method, path string
		status       int
		ctype, body  string
	}{
		{"GET", "/callhub.js", 200, "text/javascript", "export class CallHub"},
		{"HEAD", "/callhub.js", 200, "text/javascript", ""},
		{"GET", "/", 404, "application/json", `"no route GET /"`},
		{"GET", "/app.js", 404, "application/json", `"no route GET /app.js"`},
	} {
		req, _ := http.NewRequest(tt.method, p.URL+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.ctype) || !strings.Contains(string(body), tt.body) {
			t.Errorf("%s %s = %d %q %.60q; want %d %s with %q", tt.method, tt.path, resp.StatusCode,
				resp.Header.Get("Content-Type"), body, tt.status, tt.ctype, tt.body)
		}
	}
}
