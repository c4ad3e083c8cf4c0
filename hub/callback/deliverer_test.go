package callback_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/memstore"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// verify checks a Standard Webhooks signature by hand, independently of
// the hub's signing code.
func verify(t *testing.T, a hookAttempt, content []byte) {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(testSecret, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(a.Header.Get("webhook-id") + "." + a.Header.Get("webhook-timestamp") + "."))
	m.Write(content)
	want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	if got := a.Header.Get("webhook-signature"); got != want {
		t.Errorf("webhook-signature = %q, want %q", got, want)
	}
}

func shop(h *hook) callback.Caller {
	return callback.Caller{ID: "shop", CallbackBase: h.srv.URL, WebhookSecret: testSecret}
}

func TestDeliverPOSTSigned(t *testing.T) {
	h := newHook(t, nil)
	d, q := startDeliverer(t, callback.Config{Callers: []callback.Caller{shop(h)}})
	enqueue(t, d, "shop", "c1", 1, hub.Callback{URL: "/cb", Method: "POST"}, `{"rows":[1,2]}`)
	dl := waitState(t, q, "c1.1", callback.Delivered)
	if dl.Attempts != 1 || dl.LastStatus != 200 {
		t.Errorf("delivery = %+v, want 1 attempt, status 200", dl)
	}
	a := h.got()[0]
	var body map[string]any
	if err := json.Unmarshal(a.Body, &body); err != nil {
		t.Fatal(err)
	}
	if body["cid"] != "c1" || body["seq"] != 1.0 || body["isEnd"] != true || body["msg"] != "ok" {
		t.Errorf("body = %s", a.Body)
	}
	if a.Header.Get("Callhub-Cid") != "c1" || a.Header.Get("Callhub-Seq") != "1" || a.Header.Get("webhook-id") != "c1.1" {
		t.Errorf("headers = %v", a.Header)
	}
	verify(t, a, a.Body)
}

func TestDeliverGETQuery(t *testing.T) {
	h := newHook(t, nil)
	d, q := startDeliverer(t, callback.Config{Callers: []callback.Caller{shop(h)}})
	enqueue(t, d, "shop", "c2", 3, hub.Callback{URL: "/callback?app=1", Method: "GET"}, `{"user":"ann","n":7}`)
	waitState(t, q, "c2.3", callback.Delivered)
	a := h.got()[0]
	v, _ := url.ParseQuery(a.Query)
	want := map[string]string{"cid": "c2", "seq": "3", "isEnd": "true", "code": "0", "msg": "ok",
		"user": "ann", "n": "7", "app": "1"}
	for k, w := range want {
		if v.Get(k) != w {
			t.Errorf("query %s = %q, want %q (query %s)", k, v.Get(k), w, a.Query)
		}
	}
	if a.Method != http.MethodGet || len(a.Body) != 0 {
		t.Errorf("method %s body %q, want GET without body", a.Method, a.Body)
	}
	verify(t, a, []byte(a.Query))
}

func TestDeliverRetriesWithSameID(t *testing.T) {
	h := newHook(t, func(n int, _ http.ResponseWriter, _ *http.Request) int {
		if n <= 2 {
			return 500
		}
		return 204
	})
	d, q := startDeliverer(t, callback.Config{Callers: []callback.Caller{shop(h)}, Schedule: []time.Duration{time.Millisecond}})
	enqueue(t, d, "shop", "c3", 1, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
	dl := waitState(t, q, "c3.1", callback.Delivered)
	got := h.got()
	if len(got) != 3 || dl.Attempts != 3 {
		t.Fatalf("%d attempts recorded, delivery says %d; want 3", len(got), dl.Attempts)
	}
	for _, a := range got {
		if a.Header.Get("webhook-id") != "c3.1" {
			t.Errorf("webhook-id = %q, want stable c3.1", a.Header.Get("webhook-id"))
		}
		verify(t, a, a.Body)
	}
}

func TestDeliver410Stops(t *testing.T) {
	h := newHook(t, func(int, http.ResponseWriter, *http.Request) int { return http.StatusGone })
	d, q := startDeliverer(t, callback.Config{Callers: []callback.Caller{shop(h)}, Schedule: []time.Duration{time.Millisecond}})
	enqueue(t, d, "shop", "c4", 1, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
	dl := waitState(t, q, "c4.1", callback.Failed)
	if dl.Attempts != 1 || dl.LastStatus != 410 || len(h.got()) != 1 {
		t.Errorf("delivery = %+v after %d attempts, want failed after one 410", dl, len(h.got()))
	}
}

func TestDeliverDeadThenReplay(t *testing.T) {
	healthy := make(chan struct{})
	h := newHook(t, func(int, http.ResponseWriter, *http.Request) int {
		select {
		case <-healthy:
			return 200
		default:
			return 503
		}
	})
	d, q := startDeliverer(t, callback.Config{Callers: []callback.Caller{shop(h)}, MaxAttempts: 3,
		Schedule: []time.Duration{time.Millisecond}})
	enqueue(t, d, "shop", "c5", 1, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
	dl := waitState(t, q, "c5.1", callback.Dead)
	if dl.Attempts != 3 || dl.LastStatus != 503 || !strings.Contains(dl.LastError, "503") {
		t.Fatalf("dead delivery = %+v, want 3 attempts, last 503", dl)
	}
	dead, _, _ := d.List(context.Background(), callback.Filter{State: callback.Dead})
	if len(dead) != 1 {
		t.Fatalf("List(dead) = %d, want 1", len(dead))
	}
	close(healthy)
	if _, err := d.Retry(context.Background(), "c5.1"); err != nil {
		t.Fatal(err)
	}
	dl = waitState(t, q, "c5.1", callback.Delivered)
	if dl.Attempts != 1 {
		t.Errorf("replayed delivery attempts = %d, want 1 (fresh budget)", dl.Attempts)
	}
	if _, err := d.Retry(context.Background(), "c5.1"); !errors.Is(err, hub.ErrConflict) {
		t.Errorf("Retry(delivered) = %v, want ErrConflict", err)
	}
}

// TestDeliverOrderPerCID: seq 2 is not attempted before seq 1 is done,
// even when seq 1 needs retries.
func TestDeliverOrderPerCID(t *testing.T) {
	h := newHook(t, func(n int, _ http.ResponseWriter, r *http.Request) int {
		if r.Header.Get("Callhub-Seq") == "1" && n <= 2 {
			return 500
		}
		return 200
	})
	d, q := startDeliverer(t, callback.Config{Callers: []callback.Caller{shop(h)}, Schedule: []time.Duration{time.Millisecond}})
	for seq := 1; seq <= 3; seq++ {
		enqueue(t, d, "shop", "c6", seq, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
	}
	waitState(t, q, "c6.3", callback.Delivered)
	var seqs []string
	for _, a := range h.got() {
		seqs = append(seqs, a.Header.Get("Callhub-Seq"))
	}
	if got, want := strings.Join(seqs, ","), "1,1,1,2,3"; got != want {
		t.Errorf("attempt order = %s, want %s", got, want)
	}
}

// TestRetryOverduePending: an admin can kick a pending delivery that is
// long overdue (stored but never scheduled), not one that is on time.
func TestRetryOverduePending(t *testing.T) {
	clk := newClock()
	q := &memstore.Queue{}
	d, err := callback.New(callback.Config{Queue: q, Health: &memstore.Health{}, Now: clk.Now, Timeout: time.Second,
		Callers: []callback.Caller{{ID: "shop", CallbackBase: "http://127.0.0.1:9"}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	q.Add(ctx, callback.Delivery{ID: "k.1", CID: "k", Seq: 1, Caller: "shop", URL: "http://127.0.0.1:9/cb", Method: "POST",
		State: callback.Pending, NextAttemptAt: clk.Now()})
	if _, err := d.Retry(ctx, "k.1"); !errors.Is(err, hub.ErrConflict) {
		t.Errorf("Retry(on time) = %v, want ErrConflict", err)
	}
	clk.Advance(time.Hour)
	if dl, err := d.Retry(ctx, "k.1"); err != nil || dl.Attempts != 0 || !dl.NextAttemptAt.Equal(clk.Now()) {
		t.Errorf("Retry(overdue) = %+v, %v; want rescheduled now", dl, err)
	}
}
