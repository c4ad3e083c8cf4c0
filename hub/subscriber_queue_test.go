package hub_test

import (
	"context"
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
