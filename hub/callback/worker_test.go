package callback_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/memstore"
)

// TestWorkersLeaveWithRun: the workers that stay for the next attempt
// leave when Run ends, at once, not when their idle wait runs out; and
// the one that stayed takes the next delivery.
func TestWorkersLeaveWithRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n atomic.Int64
		client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			n.Add(1)
			return &http.Response{StatusCode: http.StatusNoContent, Body: io.NopCloser(strings.NewReader("")),
				Header: http.Header{}, Request: r}, nil
		})}
		q := &memstore.Queue{}
		d, err := callback.New(callback.Config{Queue: q, Health: &memstore.Health{}, Client: client,
			Callers: []callback.Caller{{ID: "shop", CallbackBase: "http://hooks.shop.example"}}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { d.Run(ctx); close(done) }()
		for i, cid := range []string{"c1", "c2", "c3"} {
			enqueue(t, d, "shop", cid, 1, hub.Callback{URL: "/cb", Method: "POST"}, `{}`)
			synctest.Wait()
			if got := n.Load(); got != int64(i+1) {
				t.Fatalf("%d attempts after %s was queued, want %d", got, cid, i+1)
			}
			time.Sleep(time.Second) // a worker waits idle
		}
		start := time.Now()
		cancel()
		<-done
		if waited := time.Since(start); waited != 0 {
			t.Errorf("Run ended %v after its context, want at once", waited)
		}
		for _, id := range []string{"c1.1", "c2.1", "c3.1"} {
			if dl, err := q.Get(context.Background(), id); err != nil || dl.State != callback.Delivered {
				t.Errorf("%s: %+v, %v; want delivered", id, dl.State, err)
			}
		}
	})
}
