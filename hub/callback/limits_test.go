package callback_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/memstore"
	"github.com/callhub/callhub/internal/testwait"
)

// TestDeliverHangingEndpointIsolated: an endpoint that never answers does
// not delay another caller's callbacks.
func TestDeliverHangingEndpointIsolated(t *testing.T) {
	release := make(chan struct{})
	slow := newHook(t, func(int, http.ResponseWriter, *http.Request) int { <-release; return 200 })
	fast := newHook(t, nil)
	callers := []callback.Caller{{ID: "slow", CallbackBase: slow.srv.URL}, {ID: "fast", CallbackBase: fast.srv.URL}}
	d, q := startDeliverer(t, callback.Config{Callers: callers, PerEndpoint: 2, Timeout: time.Minute})
	t.Cleanup(func() { close(release) }) // runs before the deliverer's cleanup waits for attempts
	for i := range 5 {
		enqueue(t, d, "slow", "s"+string(rune('a'+i)), 1, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
	}
	testwait.Until(t, "the slow endpoint to hold its attempts", func() bool { return len(slow.got()) == 2 })
	for i := range 20 {
		enqueue(t, d, "fast", "f"+string(rune('a'+i)), 1, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
	}
	for i := range 20 {
		waitState(t, q, "f"+string(rune('a'+i))+".1", callback.Delivered)
	}
	if n := len(slow.got()); n != 2 {
		t.Errorf("slow endpoint saw %d concurrent attempts, want the bound 2", n)
	}
	for _, id := range []string{"sc.1", "sd.1", "se.1"} {
		if dl, _ := q.Get(context.Background(), id); dl.Attempts != 0 {
			t.Errorf("deferred %s used %d attempts, want 0", id, dl.Attempts)
		}
	}
}

func TestDeliverRetryAfter(t *testing.T) {
	clk := newClock()
	h := newHook(t, func(n int, w http.ResponseWriter, _ *http.Request) int {
		if n == 1 {
			w.Header().Set("Retry-After", "120")
			return http.StatusTooManyRequests
		}
		return 200
	})
	d, q := startDeliverer(t, callback.Config{Callers: []callback.Caller{shop(h)}, Now: clk.Now,
		Schedule: []time.Duration{time.Second, time.Hour}})
	enqueue(t, d, "shop", "r1", 1, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
	testwait.Until(t, "first attempt", func() bool {
		dl, _ := q.Get(context.Background(), "r1.1")
		return dl.Attempts == 1
	})
	dl, _ := q.Get(context.Background(), "r1.1")
	if wait := dl.NextAttemptAt.Sub(clk.Now()); wait < 120*time.Second {
		t.Errorf("next attempt in %s, want Retry-After's 120s honoured", wait)
	}
	clk.Advance(121 * time.Second)
	waitState(t, q, "r1.1", callback.Delivered)
}

// TestDeliverDisableAfter: an endpoint failing continuously for
// DisableAfter is no longer attempted; a replay that succeeds revives it.
func TestDeliverDisableAfter(t *testing.T) {
	clk := newClock()
	healthy := make(chan struct{})
	h := newHook(t, func(int, http.ResponseWriter, *http.Request) int {
		select {
		case <-healthy:
			return 200
		default:
			return 500
		}
	})
	health := &memstore.Health{}
	d, q := startDeliverer(t, callback.Config{Callers: []callback.Caller{shop(h)}, Now: clk.Now, Health: health,
		MaxAttempts: 100, DisableAfter: time.Hour, Schedule: []time.Duration{time.Minute}})
	enqueue(t, d, "shop", "x1", 1, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
	// The endpoint answers before the deliverer stores the attempt and the
	// failure: the clock moves on only once both are stored at its time.
	testwait.Until(t, "the first failure stored", func() bool {
		since, _ := health.FailingSince(context.Background(), h.srv.URL)
		return !since.IsZero()
	})
	clk.Advance(2 * time.Hour)
	dl := waitState(t, q, "x1.1", callback.Dead)
	if !strings.Contains(dl.LastError, "disabled") || len(h.got()) != 1 {
		t.Errorf("delivery = %+v after %d attempts, want dead as disabled after 1", dl, len(h.got()))
	}
	enqueue(t, d, "shop", "x2", 1, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
	waitState(t, q, "x2.1", callback.Dead) // still disabled: not attempted
	close(healthy)
	if _, err := d.Retry(context.Background(), "x1.1"); err != nil {
		t.Fatal(err)
	}
	waitState(t, q, "x1.1", callback.Delivered)
	enqueue(t, d, "shop", "x3", 1, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
	waitState(t, q, "x3.1", callback.Delivered)
	if n := len(h.got()); n != 3 {
		t.Errorf("%d attempts, want 3: the first failure, the replay, x3", n)
	}
}

// TestDeliverEnableEndpoint: an admin re-enables a disabled endpoint.
func TestDeliverEnableEndpoint(t *testing.T) {
	clk := newClock()
	h := newHook(t, func(n int, _ http.ResponseWriter, _ *http.Request) int {
		if n == 1 {
			return 500
		}
		return 200
	})
	health := &memstore.Health{}
	d, q := startDeliverer(t, callback.Config{Callers: []callback.Caller{shop(h)}, Now: clk.Now, Health: health,
		MaxAttempts: 1, DisableAfter: time.Hour})
	enqueue(t, d, "shop", "e1", 1, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
	waitState(t, q, "e1.1", callback.Dead)
	clk.Advance(2 * time.Hour)
	if since, _ := health.FailingSince(context.Background(), h.srv.URL); since.IsZero() {
		t.Fatal("endpoint not failing after a failed attempt")
	}
	if err := d.Enable(context.Background(), h.srv.URL+"/anything"); err != nil {
		t.Fatal(err)
	}
	enqueue(t, d, "shop", "e2", 1, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
	waitState(t, q, "e2.1", callback.Delivered)
}

// TestDeliverShutdownHandsBack: Run returns within the attempt timeout of
// its context ending, and an interrupted attempt goes back to the queue
// without using an attempt.
func TestDeliverShutdownHandsBack(t *testing.T) {
	h := newHook(t, func(_ int, _ http.ResponseWriter, r *http.Request) int { <-r.Context().Done(); return 200 })
	q := &memstore.Queue{}
	d, err := callback.New(callback.Config{Queue: q, Health: &memstore.Health{}, Callers: []callback.Caller{shop(h)},
		Timeout: 300 * time.Millisecond, Poll: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	enqueue(t, d, "shop", "z1", 1, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
	testwait.Until(t, "attempt in flight", func() bool { return len(h.got()) == 1 })
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	dl, _ := q.Get(context.Background(), "z1.1")
	if dl.State != callback.Pending {
		t.Errorf("interrupted delivery state = %s, want pending (queued for another instance)", dl.State)
	}
}

func TestCheckCallbackSSRF(t *testing.T) {
	h := newHook(t, nil)
	d, _ := startDeliverer(t, callback.Config{Callers: []callback.Caller{
		{ID: "shop", CallbackBase: h.srv.URL},
		{ID: "open", CallbackBase: "https://hooks.example.com", AllowCallbackHosts: []string{"*"}},
	}})
	refused := []string{"http://169.254.169.254/latest/meta-data", "http://127.0.0.1:9/x", "http://10.0.0.1/cb",
		"http://[::1]/cb", "http://localhost/cb", "ftp://hooks.example.com/cb"}
	for _, u := range refused {
		err := d.Check(context.Background(), "open", &hub.Callback{URL: u, Method: "POST"})
		if !errors.Is(err, hub.ErrInvalid) || !strings.Contains(err.Error(), "callback.url") {
			t.Errorf("Check(%s) = %v, want ErrInvalid naming callback.url", u, err)
		}
	}
	if err := d.Check(context.Background(), "shop", &hub.Callback{URL: "/cb", Method: "POST"}); err != nil {
		t.Errorf("Check(configured loopback base) = %v, want allowed", err)
	}
	if err := d.Check(context.Background(), "shop", &hub.Callback{URL: "http://evil.example/cb", Method: "POST"}); !errors.Is(err, hub.ErrInvalid) {
		t.Errorf("Check(host not allowed) = %v, want ErrInvalid", err)
	}
}
