package main

import (
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
