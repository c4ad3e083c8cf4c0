package callback_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/hubtest"
	"github.com/callhub/callhub/hub/memstore"
	"github.com/callhub/callhub/internal/benchcpu"
)

// runBenchDeliverer runs a deliverer on a memory queue whose caller
// "shop" has its callbacks signed and based at url.
func runBenchDeliverer(b *testing.B, url string) *callback.Deliverer {
	d, err := callback.New(callback.Config{Queue: &memstore.Queue{}, Health: &memstore.Health{},
		Callers: []callback.Caller{{ID: "shop", CallbackBase: url,
			WebhookSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}})
	if err != nil {
		b.Fatal(err)
	}
	hubtest.RunDeliverer(b, d)
	return d
}

// BenchmarkDeliver: signed POST callbacks of b.N replies, one per cid,
// queued in memory and delivered to a loopback receiver that answers
// 204; each op is one callback queued, claimed, attempted and saved (the
// receiver's work included).
func BenchmarkDeliver(b *testing.B) {
	done := make(chan struct{})
	var n atomic.Int64
	want := int64(b.N)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
		if n.Add(1) == want {
			close(done)
		}
	}))
	defer recv.Close()
	d := runBenchDeliverer(b, recv.URL)
	rec := hub.Record{Caller: "shop", Callback: &hub.Callback{URL: "/cb", Method: "POST"}}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		cid := "c" + strconv.Itoa(i)
		rec.CID = cid
		r := hub.Reply{CID: cid, Seq: 1, IsEnd: true, Msg: "ok", Data: []byte(`{"result":"done","n":42}`), Offset: "1-0"}
		if err := d.Enqueue(ctx, rec, r); err != nil {
			b.Fatal(err)
		}
	}
	<-done
}

// BenchmarkDeliverClosedLoop: the callbacks of the cycle in
// callhub-bench: 32 callers, each queueing one reply's signed POST
// callback for a cid of its own and waiting for the receiver's 204
// before the next. cpu-µs/op is the process's CPU (user + system, the
// receiver's included) per callback, from getrusage.
func BenchmarkDeliverClosedLoop(b *testing.B) {
	const callers = 32
	var mu sync.Mutex
	arrived := map[string]chan struct{}{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
		mu.Lock()
		ch := arrived[r.Header.Get("Callhub-Cid")]
		mu.Unlock()
		close(ch)
	}))
	defer recv.Close()
	d := runBenchDeliverer(b, recv.URL)
	var next atomic.Int64
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := benchcpu.Process(b)
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				cid := "c" + strconv.FormatInt(i, 10)
				ch := make(chan struct{})
				mu.Lock()
				arrived[cid] = ch
				mu.Unlock()
				rec := hub.Record{CID: cid, Caller: "shop", Callback: &hub.Callback{URL: "/cb", Method: "POST"}}
				r := hub.Reply{CID: cid, Seq: 1, IsEnd: true, Msg: "ok", Data: []byte(`{"x":1}`), Offset: "1-0"}
				if err := d.Enqueue(ctx, rec, r); err != nil {
					b.Error(err)
					return
				}
				<-ch
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64((benchcpu.Process(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}
