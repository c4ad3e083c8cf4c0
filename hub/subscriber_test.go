package hub_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/memstore"
)

// lossyBroker drops chosen messages, as Redis pub/sub may, and can
// announce a loss with an empty message, as a reconnecting broker does.
type lossyBroker struct {
	memstore.Broker
	mu   sync.Mutex
	drop map[int]bool // by publish count on cid topics
	n    int
}

func (b *lossyBroker) Publish(ctx context.Context, topic string, msg []byte) error {
	b.mu.Lock()
	if topic[:4] == "cid:" {
		b.n++
		if b.drop[b.n] {
			b.mu.Unlock()
			return nil
		}
	}
	b.mu.Unlock()
	return b.Broker.Publish(ctx, topic, msg)
}

func follow(t *testing.T, h *hub.Hub, cid string) *hub.Subscriber {
	t.Helper()
	sub := h.NewSubscriber()
	emit := func(hub.Reply) error { t.Error("nothing stored yet, nothing to recover"); return nil }
	if _, err := sub.Recover(context.Background(), cid, "", emit); err != nil {
		t.Fatal(err)
	}
	if err := sub.Live(context.Background(), cid, emit); err != nil {
		t.Fatal(err)
	}
	return sub
}

func next(t *testing.T, sub *hub.Subscriber) int {
	t.Helper()
	select {
	case r := <-sub.C():
		return r.Seq
	case <-time.After(10 * time.Second):
		t.Fatal("no reply")
	}
	return 0
}

func newLossyHub(t *testing.T, drop ...int) (*hub.Hub, *lossyBroker, string) {
	t.Helper()
	b := &lossyBroker{drop: map[int]bool{}}
	for _, d := range drop {
		b.drop[d] = true
	}
	store := &memstore.Store{}
	h, err := hub.New(hub.Config{Store: store, Broker: b, Secret: []byte("k")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	store.CreateRequest(context.Background(), hub.Record{CID: "c", Caller: "shop", ServiceID: "s", CreatedAt: time.Now()})
	return h, b, "c"
}

// TestSubscriberFillsGap: a dropped broker message is recovered from the
// store when the next one shows the gap.
func TestSubscriberFillsGap(t *testing.T) {
	h, _, cid := newLossyHub(t, 2)
	sub := follow(t, h, cid)
	defer sub.Close()
	for seq := 1; seq <= 3; seq++ {
		h.PostReply(context.Background(), cid, hub.ReplyInput{Seq: seq, IsEnd: ptr(seq == 3)})
	}
	for want := 1; want <= 3; want++ {
		if got := next(t, sub); got != want {
			t.Fatalf("got seq %d, want %d", got, want)
		}
	}
}

// TestSubscriberResyncsOnLoss: an empty broker message makes followers
// re-read the store, so a dropped last reply still arrives.
func TestSubscriberResyncsOnLoss(t *testing.T) {
	h, b, cid := newLossyHub(t, 1)
	sub := follow(t, h, cid)
	defer sub.Close()
	h.PostReply(context.Background(), cid, hub.ReplyInput{Seq: 1})
	b.Broker.Publish(context.Background(), "cid:"+cid, nil) // "messages may be lost"
	if got := next(t, sub); got != 1 {
		t.Fatalf("got seq %d, want 1", got)
	}
}

// TestSlowSubscriberDropped: a full inbox closes that subscriber only.
func TestSlowSubscriberDropped(t *testing.T) {
	store := &memstore.Store{}
	h, _ := hub.New(hub.Config{Store: store, Broker: &memstore.Broker{}, Secret: []byte("k"), SendBuffer: 2})
	defer h.Close()
	store.CreateRequest(context.Background(), hub.Record{CID: "c", Caller: "shop", CreatedAt: time.Now()})
	slow, fast := follow(t, h, "c"), follow(t, h, "c")
	defer slow.Close()
	defer fast.Close()
	for seq := 1; seq <= 5; seq++ {
		h.PostReply(context.Background(), "c", hub.ReplyInput{Seq: seq, IsEnd: ptr(false)})
		if got := next(t, fast); got != seq {
			t.Fatalf("fast subscriber got %d, want %d", got, seq)
		}
	}
	select {
	case <-slow.Done():
		if slow.Err() != hub.ErrSlow {
			t.Errorf("slow subscriber closed with %v, want ErrSlow", slow.Err())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("slow subscriber not dropped")
	}
}

func ptr[T any](v T) *T { return &v }

// outageStore fails Replies while down is set, as a store does while its
// backend is unreachable.
type outageStore struct {
	*memstore.Store
	down atomic.Bool
}

func (s *outageStore) Replies(ctx context.Context, cid, after string, limit int) ([]hub.Reply, error) {
	if s.down.Load() {
		return nil, hub.Errorf(hub.ErrUnavailable, "store down")
	}
	return s.Store.Replies(ctx, cid, after, limit)
}

// TestSubscriberSurvivesStoreOutage: a gap that cannot be filled while the
// store is down is retried with backoff; the subscriber stays connected
// and gets the missing replies, in order, once the store is back.
func TestSubscriberSurvivesStoreOutage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &outageStore{Store: &memstore.Store{}}
		b := &lossyBroker{drop: map[int]bool{2: true}}
		h, err := hub.New(hub.Config{Store: store, Broker: b, Secret: []byte("k")})
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		ctx := context.Background()
		store.CreateRequest(ctx, hub.Record{CID: "c", Caller: "shop", ServiceID: "s", CreatedAt: time.Now()})
		sub := follow(t, h, "c")
		defer sub.Close()
		h.PostReply(ctx, "c", hub.ReplyInput{Seq: 1, IsEnd: ptr(false)})
		if got := next(t, sub); got != 1 {
			t.Fatalf("got seq %d, want 1", got)
		}
		store.down.Store(true)
		h.PostReply(ctx, "c", hub.ReplyInput{Seq: 2, IsEnd: ptr(false)}) // lost by the broker
		h.PostReply(ctx, "c", hub.ReplyInput{Seq: 3, IsEnd: ptr(true)})  // shows the gap
		time.Sleep(time.Minute)                                          // many failed fills
		synctest.Wait()
		select {
		case <-sub.Done():
			t.Fatalf("subscriber dropped during the outage: %v", sub.Err())
		case r := <-sub.C():
			t.Fatalf("got seq %d out of order during the outage", r.Seq)
		default:
		}
		store.down.Store(false)
		for want := 2; want <= 3; want++ {
			if got := next(t, sub); got != want {
				t.Fatalf("after the outage got seq %d, want %d", got, want)
			}
		}
	})
}
