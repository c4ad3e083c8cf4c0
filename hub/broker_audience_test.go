package hub_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/memstore"
)

// countingBroker counts what is published through a memory broker.
type countingBroker struct {
	memstore.Broker
	published atomic.Int64
}

func (b *countingBroker) Publish(ctx context.Context, topic string, msg []byte) error {
	b.published.Add(1)
	return b.Broker.Publish(ctx, topic, msg)
}

// TestUnheardReplyNotPublished: on a memory broker, a reply or an event
// that no subscriber of its cid or of its caller would read is not
// published, and nothing is lost by it: a subscriber
// that comes later reads it from the store; one of the cid or of the
// caller has every later reply published.
func TestUnheardReplyNotPublished(t *testing.T) {
	ctx := context.Background()
	b := &countingBroker{}
	store := &memstore.Store{}
	h, err := hub.New(hub.Config{Store: store, Broker: b, Secret: []byte("k")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	for _, cid := range []string{"c", "d"} {
		if _, _, err := store.CreateRequest(ctx, hub.Record{CID: cid, Caller: "shop", ServiceID: "s", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	post := func(cid string, seq int) {
		t.Helper()
		if _, _, err := h.PostReply(ctx, cid, hub.ReplyInput{Seq: seq, IsEnd: ptr(false)}); err != nil {
			t.Fatalf("PostReply(%s, %d): %v", cid, seq, err)
		}
	}
	service := hub.Principal{Token: (&hub.Tokens{Secret: []byte("k")}).ReplyToken("c")}
	heartbeat := func() {
		t.Helper()
		if err := h.Heartbeat(ctx, service, "c", nil, "working"); err != nil {
			t.Fatalf("Heartbeat: %v", err)
		}
	}
	post("c", 1)
	heartbeat()
	if n := b.published.Load(); n != 0 {
		t.Fatalf("a reply and a progress event nobody follows were published %d times", n)
	}

	sub := h.NewSubscriber()
	defer sub.Close()
	var recovered []int
	if _, err := sub.Recover(ctx, "c", "", func(r hub.Reply) error { recovered = append(recovered, r.Seq); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(recovered) != 1 || recovered[0] != 1 {
		t.Fatalf("recovered %v, want the unpublished seq 1 from the store", recovered)
	}
	if err := sub.Live(ctx, "c", func(hub.Reply) error { return nil }); err != nil {
		t.Fatal(err)
	}
	post("c", 2)
	if got := next(t, sub); got != 2 {
		t.Fatalf("live subscriber got seq %d, want 2", got)
	}
	if n := b.published.Load(); n != 2 { // the cid's topic and the caller's
		t.Fatalf("a followed reply was published %d times, want 2", n)
	}
	heartbeat()
	if n := b.published.Load(); n != 4 {
		t.Fatalf("a followed progress event: %d publishes in all, want 4", n)
	}

	caller := h.NewSubscriber()
	defer caller.Close()
	if err := caller.FollowCaller("shop"); err != nil {
		t.Fatal(err)
	}
	post("d", 1) // no subscriber of d, one of its caller
	select {
	case r := <-caller.C():
		if r.CID != "d" || r.Seq != 1 {
			t.Fatalf("caller's subscriber got %s.%d, want d.1", r.CID, r.Seq)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the caller's subscriber got nothing of d")
	}
}
