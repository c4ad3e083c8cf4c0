package callback_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/hubtest"
	"github.com/callhub/callhub/hub/memstore"
	"github.com/callhub/callhub/internal/testwait"
)

// hook is a callback receiver: it records every attempt and answers with
// what respond returns (200 when respond is nil).
type hook struct {
	mu       sync.Mutex
	attempts []hookAttempt
	respond  func(n int, w http.ResponseWriter, r *http.Request) int
	srv      *httptest.Server
}

type hookAttempt struct {
	Method string
	Query  string
	Header http.Header
	Body   []byte
}

func newHook(t *testing.T, respond func(n int, w http.ResponseWriter, r *http.Request) int) *hook {
	h := &hook{respond: respond}
	h.srv = httptest.NewServer(h)
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.attempts = append(h.attempts, hookAttempt{r.Method, r.URL.RawQuery, r.Header.Clone(), body})
	n := len(h.attempts)
	h.mu.Unlock()
	status := http.StatusOK
	if h.respond != nil {
		status = h.respond(n, w, r)
	}
	w.WriteHeader(status)
}

func (h *hook) got() []hookAttempt {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookAttempt(nil), h.attempts...)
}

// clock is a settable clock for time-based delivery behaviour.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// startDeliverer runs a deliverer on a memory queue until the test ends.
func startDeliverer(t *testing.T, cfg callback.Config) (*callback.Deliverer, *memstore.Queue) {
	t.Helper()
	q := &memstore.Queue{}
	cfg.Queue = q
	if cfg.Health == nil {
		cfg.Health = &memstore.Health{}
	}
	if cfg.Poll == 0 {
		cfg.Poll = 5 * time.Millisecond
	}
	d, err := callback.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hubtest.RunDeliverer(t, d)
	return d, q
}

// enqueue queues reply seq of cid for caller with a callback.
func enqueue(t *testing.T, d *callback.Deliverer, caller, cid string, seq int, cb hub.Callback, data string) {
	t.Helper()
	rec := hub.Record{CID: cid, Caller: caller, Callback: &cb}
	r := hub.Reply{CID: cid, Seq: seq, IsEnd: true, Code: 0, Msg: "ok", Data: json.RawMessage(data), Offset: "1-0"}
	if err := d.Enqueue(context.Background(), rec, r); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
}

// waitState waits until delivery id is in state.
func waitState(t *testing.T, q callback.Queue, id, state string) callback.Delivery {
	t.Helper()
	var d callback.Delivery
	testwait.Until(t, "delivery "+id+" in state "+state, func() bool {
		var err error
		d, err = q.Get(context.Background(), id)
		return err == nil && d.State == state
	})
	return d
}
