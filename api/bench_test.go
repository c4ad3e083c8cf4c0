package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/api"
	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/memstore"
)

// BenchmarkPostReply is the reply handler of a service posting with its
// reply token, in process (no network), on the in-memory store.
func BenchmarkPostReply(b *testing.B) {
	store := &memstore.Store{}
	h, err := hub.New(hub.Config{Store: store, Broker: &memstore.Broker{}, Secret: []byte("bench")})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	srv := api.New(api.Config{Hub: h})
	cid := "bench-cid"
	if _, _, err := store.CreateRequest(context.Background(), hub.Record{CID: cid, Caller: "shop", ServiceID: "svc", CreatedAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	auth := "Bearer " + (&hub.Tokens{Secret: []byte("bench")}).ReplyToken(cid)
	const body = `{"isEnd":false,"data":{"n":1}}`
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/v1/replies/"+cid, strings.NewReader(body))
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusAccepted {
			b.Fatalf("POST /v1/replies = %d %s", rec.Code, rec.Body)
		}
	}
}
