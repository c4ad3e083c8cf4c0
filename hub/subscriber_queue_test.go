package hub_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/memstore"
)

// TestSubscriberFuncQueue: a NewSubscriberFunc subscriber calls ready
// when its inbox gets a reply while empty, not for every reply, hands the
// replies out in order with Next, and, once full, is dropped (ErrSlow)
// with ready called again so its owner sees it.
func TestSubscriberFuncQueue(t *testing.T) {
	store := &memstore.Store{}
	h, _ := hub.New(hub.Config{Store: store, Broker: &memstore.Broker{}, Secret: []byte("k"), SendBuffer: 3})
	defer h.Close()
	ctx := context.Background()
	store.CreateRequest(ctx, hub.Record{CID: "c", Caller: "shop", CreatedAt: time.Now()})
	var readies atomic.Int32
	sub := h.NewSubscriberFunc(func() { readies.Add(1) })
	defer sub.Close()
	if sub.C() != nil {
		t.Error("C() of a NewSubscriberFunc subscriber is not nil")
	}
	emit := func(hub.Reply) error { t.Error("nothing stored yet, nothing to recover"); return nil }
	if _, err := sub.Recover(ctx, "c", "", emit); err != nil {
		t.Fatal(err)
	}
	if err := sub.Live(ctx, "c", emit); err != nil {
		t.Fatal(err)
	}
	post := func(seq int) {
		t.Helper()
		if _, _, err := h.PostReply(ctx, "c", hub.ReplyInput{Seq: seq, IsEnd: ptr(false)}); err != nil {
			t.Fatal(err)
		}
	}
	post(1)
	post(2)
	if got := readies.Load(); got != 1 {
		t.Errorf("ready called %d times for two replies into an empty inbox, want 1", got)
	}
	for _, want := range []int{1, 2} {
		if r := sub.Next(); r == nil || r.Seq != want {
			t.Fatalf("Next = %+v, want seq %d", r, want)
		}
	}
	if r := sub.Next(); r != nil {
		t.Fatalf("Next of an empty inbox = %+v", r)
	}
	post(3)
	if got := readies.Load(); got != 2 {
		t.Errorf("ready called %d times after the inbox emptied and filled again, want 2", got)
	}
	for seq := 4; seq <= 6; seq++ { // 3, 4, 5 fill it; 6 overflows
		post(seq)
	}
	select {
	case <-sub.Done():
	default:
		t.Fatal("a subscriber whose inbox overflowed is not done")
	}
	if sub.Err() != hub.ErrSlow || readies.Load() != 3 {
		t.Errorf("overflow: Err %v, ready called %d times; want ErrSlow, 3", sub.Err(), readies.Load())
	}
}

// TestSubscriberFuncQueueStaleFollow: what the inbox holds of a cid is
// not handed out once the cid is subscribed again (its Recover re-read
// those replies and sends them in order itself) or unsubscribed; what a
// caller subscription brought stays.
func TestSubscriberFuncQueueStaleFollow(t *testing.T) {
	store := &memstore.Store{}
	h, _ := hub.New(hub.Config{Store: store, Broker: &memstore.Broker{}, Secret: []byte("k"), SendBuffer: 8})
	defer h.Close()
	ctx := context.Background()
	for _, cid := range []string{"c", "d"} {
		store.CreateRequest(ctx, hub.Record{CID: cid, Caller: "shop", CreatedAt: time.Now()})
	}
	sub := h.NewSubscriberFunc(func() {})
	defer sub.Close()
	subscribe := func() []int {
		t.Helper()
		var got []int
		emit := func(r hub.Reply) error { got = append(got, r.Seq); return nil }
		if _, err := sub.Recover(ctx, "c", "", emit); err != nil {
			t.Fatal(err)
		}
		if err := sub.Live(ctx, "c", emit); err != nil {
			t.Fatal(err)
		}
		return got
	}
	post := func(cid string, seq int) {
		t.Helper()
		if _, _, err := h.PostReply(ctx, cid, hub.ReplyInput{Seq: seq, IsEnd: ptr(false)}); err != nil {
			t.Fatal(err)
		}
	}
	subscribe()
	if err := sub.FollowCaller("shop"); err != nil {
		t.Fatal(err)
	}
	post("c", 1)
	post("d", 1) // by the caller subscription
	post("c", 2)
	if got := subscribe(); !slices.Equal(got, []int{1, 2}) {
		t.Fatalf("subscribing again recovered %v, want [1 2]", got)
	}
	if r := sub.Next(); r == nil || r.CID != "d" {
		t.Fatalf("Next = %+v, want d's reply and none of c's queued before c was subscribed again", r)
	}
	if r := sub.Next(); r != nil {
		t.Fatalf("Next = %s seq %d, want nothing: c's queued replies were recovered again", r.CID, r.Seq)
	}
	post("c", 3)
	if r := sub.Next(); r == nil || r.CID != "c" || r.Seq != 3 {
		t.Fatalf("Next = %+v, want c seq 3", r)
	}
	post("c", 4)
	sub.Unsubscribe("c")
	if r := sub.Next(); r != nil && r.CID == "c" {
		t.Fatalf("Next = c seq %d after c was unsubscribed, want nothing of c", r.Seq)
	}
}
