package callback_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/hubtest"
	"github.com/callhub/callhub/hub/memstore"
)

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
	d, err := callback.New(callback.Config{Queue: &memstore.Queue{}, Health: &memstore.Health{},
		Callers: []callback.Caller{{ID: "shop", CallbackBase: recv.URL,
			WebhookSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}})
	if err != nil {
		b.Fatal(err)
	}
	hubtest.RunDeliverer(b, d)
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
