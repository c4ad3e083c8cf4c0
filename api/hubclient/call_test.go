package hubclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/callhub/callhub/api/hubclient"
)

// TestCall: Call answers a 2xx body as it is (nothing for a 204), an
// *Error for a refusal, and an error for a 2xx that is not JSON.
func TestCall(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer k" {
			http.Error(w, `{"code":401,"msg":"key"}`, http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/json":
			w.Write([]byte(`{"code":0,"n":1}`))
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/html":
			w.Write([]byte("<html>proxy</html>"))
		default:
			http.Error(w, `{"code":404,"msg":"no such thing"}`, http.StatusNotFound)
		}
	}))
	defer srv.Close()
	c := hubclient.New(srv.URL, "k")
	ctx := context.Background()
	if raw, err := c.Call(ctx, http.MethodGet, "/json", nil); err != nil || string(raw) != `{"code":0,"n":1}` {
		t.Errorf("Call(/json) = %s, %v", raw, err)
	}
	if raw, err := c.Call(ctx, http.MethodPost, "/empty", map[string]int{"a": 1}); err != nil || raw != nil {
		t.Errorf("Call(/empty) = %q, %v; want nothing", raw, err)
	}
	if _, err := c.Call(ctx, http.MethodGet, "/html", nil); err == nil {
		t.Error("Call(/html) = nil error, want one: not JSON")
	}
	var he *hubclient.Error
	if _, err := c.Call(ctx, http.MethodGet, "/nope", nil); !errors.As(err, &he) || he.Status != 404 || he.Msg != "no such thing" {
		t.Errorf("Call(/nope) = %v, want *Error 404 with the hub's msg", err)
	}
}
