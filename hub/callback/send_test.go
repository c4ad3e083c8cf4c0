package callback_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
)

// TestDeliverRedirectIsTheAnswer: a callback's 3xx is its answer, a
// failed attempt with that status; its Location is never followed.
func TestDeliverRedirectIsTheAnswer(t *testing.T) {
	h := newHook(t, func(_ int, w http.ResponseWriter, r *http.Request) int {
		if r.URL.Path == "/cb" {
			w.Header().Set("Location", "/elsewhere")
			return http.StatusFound
		}
		return http.StatusOK
	})
	d, q := startDeliverer(t, callback.Config{Callers: []callback.Caller{shop(h)}, MaxAttempts: 1})
	enqueue(t, d, "shop", "r1", 1, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
	dl := waitState(t, q, "r1.1", callback.Dead)
	if dl.LastStatus != http.StatusFound || dl.Attempts != 1 {
		t.Errorf("delivery = %+v, want 1 attempt, status 302", dl)
	}
	if got := h.got(); len(got) != 1 {
		t.Errorf("the receiver got %d requests, want 1 (the redirect not followed)", len(got))
	}
}

// TestDeliverUserinfoBasicAuth: a callbackBase with user:password sends
// them as basic auth, as an HTTP client does.
func TestDeliverUserinfoBasicAuth(t *testing.T) {
	h := newHook(t, nil)
	c := shop(h)
	c.CallbackBase = strings.Replace(c.CallbackBase, "http://", "http://ann:s3cret@", 1)
	d, q := startDeliverer(t, callback.Config{Callers: []callback.Caller{c}})
	enqueue(t, d, "shop", "u1", 1, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
	waitState(t, q, "u1.1", callback.Delivered)
	r := http.Request{Header: h.got()[0].Header}
	if user, pw, ok := r.BasicAuth(); !ok || user != "ann" || pw != "s3cret" {
		t.Errorf("basic auth = %q %q %v, want ann s3cret", user, pw, ok)
	}
}
