package hub_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/memstore"
)

// sendHub is a hub forwarding to one service "s" at baseURL.
func sendHub(t *testing.T, baseURL string) *hub.Hub {
	t.Helper()
	h, err := hub.New(hub.Config{Store: &memstore.Store{}, Broker: &memstore.Broker{}, Secret: []byte("k"),
		Services: []hub.Service{{ID: "s", BaseURL: baseURL}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

// TestForwardRedirectIsTheAnswer: a service's 3xx is its answer; its
// Location is never followed.
func TestForwardRedirectIsTheAnswer(t *testing.T) {
	var hits atomic.Int32
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/x" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		}
	}))
	defer svc.Close()
	out, err := sendHub(t, svc.URL).Submit(context.Background(), hub.Request{ServiceID: "s", Path: "/x", Caller: "shop"})
	if err != nil || out.Status != http.StatusFound || hits.Load() != 1 {
		t.Errorf("Submit = %+v, %v after %d hits, want status 302 after 1", out, err, hits.Load())
	}
}

// TestForwardUserinfoBasicAuth: a service baseURL with user:password
// sends them as basic auth, as an HTTP client does.
func TestForwardUserinfoBasicAuth(t *testing.T) {
	got := make(chan [2]string, 1)
	svc := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		user, pw, _ := r.BasicAuth()
		got <- [2]string{user, pw}
	}))
	defer svc.Close()
	h := sendHub(t, strings.Replace(svc.URL, "http://", "http://ann:s3cret@", 1))
	if _, err := h.Submit(context.Background(), hub.Request{ServiceID: "s", Path: "/x", Caller: "shop"}); err != nil {
		t.Fatal(err)
	}
	if g := <-got; g != [2]string{"ann", "s3cret"} {
		t.Errorf("basic auth = %q, want ann s3cret", g)
	}
}

// TestForwardUnreachable: a service that refuses the connection is a bad
// gateway naming the cause, not the url (nor a password in it).
func TestForwardUnreachable(t *testing.T) {
	svc := httptest.NewServer(http.NotFoundHandler())
	base := strings.Replace(svc.URL, "http://", "http://ann:s3cret@", 1)
	svc.Close()
	_, err := sendHub(t, base).Submit(context.Background(), hub.Request{ServiceID: "s", Path: "/x", Caller: "shop"})
	if !errors.Is(err, hub.ErrBadGateway) || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("Submit to a closed service = %v, want a bad gateway saying refused", err)
	}
}
