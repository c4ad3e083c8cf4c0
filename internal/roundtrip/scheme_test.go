package roundtrip_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/callhub/callhub/internal/roundtrip"
)

// TestDoSchemeMismatch: an https url on a plain-HTTP server fails as
// Client.Do fails it, with http.ErrSchemeMismatch, which says what is
// wrong, rather than the TLS record error beneath it.
func TestDoSchemeMismatch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(srv.Close)
	u := strings.Replace(srv.URL, "http://", "https://", 1)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	req, _ := http.NewRequest(http.MethodPost, u, nil)
	_, got := roundtrip.Do(tr, req)
	req2, _ := http.NewRequest(http.MethodPost, u, nil)
	_, want := (&http.Client{Transport: tr}).Do(req2)
	if !errors.Is(got, http.ErrSchemeMismatch) || got.Error() != want.Error() {
		t.Fatalf("Do = %v, want %v", got, want)
	}
}
