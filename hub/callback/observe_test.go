package callback_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
)

// TestAttemptLog: every attempt is logged with its status, error and the
// first KiB of the answer; the log keeps the last 20, oldest first; the
// endpoint list and this instance's rates count the same attempts.
func TestAttemptLog(t *testing.T) {
	h := newHook(t, func(n int, w http.ResponseWriter, _ *http.Request) int {
		if n < 24 {
			w.WriteHeader(503)
			fmt.Fprintf(w, "busy %02d %s", n, strings.Repeat("x", 2000))
			return 503
		}
		return 200
	})
	d, q := startDeliverer(t, callback.Config{Callers: []callback.Caller{shop(h)}, MaxAttempts: 30,
		Schedule: []time.Duration{time.Microsecond}})
	enqueue(t, d, "shop", "c1", 1, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
	dl := waitState(t, q, "c1.1", callback.Delivered)
	if dl.Attempts != 24 || len(dl.AttemptLog) != callback.MaxAttemptLog {
		t.Fatalf("delivered after %d attempts with %d logged, want 24 and %d", dl.Attempts, len(dl.AttemptLog), callback.MaxAttemptLog)
	}
	first, last := dl.AttemptLog[0], dl.AttemptLog[len(dl.AttemptLog)-1]
	if !strings.HasPrefix(first.Body, "busy 05 ") || len(first.Body) != 1024 || first.Status != 503 || !strings.Contains(first.Error, "HTTP 503") {
		t.Errorf("oldest kept attempt = status %d error %q body %.12q (%d bytes), want attempt 5: 503, 1 KiB of its body",
			first.Status, first.Error, first.Body, len(first.Body))
	}
	if last.Status != 200 || last.Error != "" || last.At.Before(first.At) || last.DurationMs < 0 {
		t.Errorf("last attempt = %+v, want 200 without error, after the first", last)
	}
	st := dl.Status()
	if st.NextAttemptAt != nil || len(st.AttemptLog) != callback.MaxAttemptLog {
		t.Errorf("record's status = next %v, %d attempts; want no next attempt and the log", st.NextAttemptAt, len(st.AttemptLog))
	}
	eps, err := d.Endpoints(context.Background())
	if err != nil || len(eps) != 1 {
		t.Fatalf("Endpoints = %+v, %v; want the hook's", eps, err)
	}
	if e := eps[0]; e.Endpoint != h.srv.URL || fmt.Sprint(e.Callers) != "[shop]" || !e.Enabled || e.LastStatus != 200 ||
		e.FailingSince != nil || e.InFlight != 0 {
		t.Errorf("endpoint = %+v, want %s for shop, enabled, last 200, healthy, idle", e, h.srv.URL)
	}
	if r := d.Rates(time.Minute); r.Delivered != 1 || r.Failures != 23 {
		t.Errorf("rates = %+v, want 1 delivered and 23 failures", r)
	}
}
