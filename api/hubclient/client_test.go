package hubclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/api"
	"github.com/callhub/callhub/api/hubclient"
	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/memstore"
)

// devHub is a dev-mode hub with one service that accepts everything and
// hands out its reply token.
func devHub(t *testing.T) (*hubclient.Client, *hub.Hub, *atomic.Value) {
	t.Helper()
	var token atomic.Value
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token.Store(r.Header.Get("Callhub-Reply-Token"))
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(svc.Close)
	var handler atomic.Value
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.Load().(http.Handler).ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	h, err := hub.New(hub.Config{Open: true, Store: &memstore.Store{}, Broker: &memstore.Broker{}, Secret: []byte("k"),
		Services: []hub.Service{{ID: "svc", BaseURL: svc.URL}}, PublicURL: front.URL})
	if err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.Config{Hub: h})
	handler.Store(srv.Handler())
	t.Cleanup(func() { h.Close(); srv.Wait() })
	return hubclient.New(front.URL, ""), h, &token
}

// TestFollowResumes: Next yields every reply once, in order, across a
// hub-side disconnect of every WebSocket.
func TestFollowResumes(t *testing.T) {
	c, _, token := devHub(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ans, err := c.Send(ctx, hubclient.Request{ServiceID: "svc", Method: "POST", Path: "/x", Async: true})
	if err != nil || ans.WSToken == "" {
		t.Fatalf("Send = %+v, %v", ans, err)
	}
	tok := token.Load().(string)
	sub := c.Follow(ans.CID, ans.WSToken, "")
	defer sub.Close()
	const n = 6
	reply := func(seq int) {
		end := seq == n
		if _, err := c.Reply(ctx, ans.CID, tok, hubclient.ReplyInput{Seq: seq, IsEnd: &end}); err != nil {
			t.Fatal(err)
		}
	}
	next := func(want int) {
		r, err := sub.Next(ctx)
		if err != nil || r.Seq != want {
			t.Fatalf("Next = seq %d, %v; want %d", r.Seq, err, want)
		}
	}
	for seq := 1; seq <= 3; seq++ {
		reply(seq)
		next(seq)
	}
	sub.Drop() // as if the connection died
	for seq := 4; seq <= n; seq++ {
		reply(seq)
	}
	for want := 4; want <= n; want++ {
		next(want)
	}
	if sub.Offset() == "" {
		t.Error("Offset is empty after replies")
	}
}

func TestErrorsCarryStatusAndField(t *testing.T) {
	c, _, _ := devHub(t)
	_, err := c.Send(context.Background(), hubclient.Request{Path: "/x"})
	var he *hubclient.Error
	if !errors.As(err, &he) || he.Status != 400 || he.Msg != "serviceId: required" {
		t.Errorf("Send without serviceId = %v, want a 400 naming serviceId", err)
	}
}
