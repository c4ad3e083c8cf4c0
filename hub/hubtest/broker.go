package hubtest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
)

// wait bounds every wait of the suite.
const wait = 10 * time.Second

// receive returns the next message, skipping the empty resync hints a
// broker may send.
func receive(t *testing.T, ch <-chan []byte) []byte {
	t.Helper()
	for {
		select {
		case m, ok := <-ch:
			if !ok {
				t.Fatal("subscription closed early")
			}
			if len(m) > 0 {
				return m
			}
		case <-time.After(wait):
			t.Fatal("no message within", wait)
		}
	}
}

func testBroker(t *testing.T, b Backend) {
	ctx, cancel := context.WithCancel(context.Background())
	topic := "cid:" + newCID(t)
	a, err := b.Broker.Subscribe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	other, err := b.Broker.Subscribe(ctx, "cid:"+newCID(t))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := b.Broker.Publish(context.Background(), topic, fmt.Appendf(nil, "m%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		if got, want := string(receive(t, a)), fmt.Sprintf("m%d", i); got != want {
			t.Errorf("message %d = %q, want %q", i, got, want)
		}
	}
	for done := false; !done; {
		select {
		case m := <-other:
			if len(m) > 0 {
				t.Errorf("other topic got %q", m)
			}
		default:
			done = true
		}
	}
	cancel()
	deadline := time.After(wait)
	for {
		select {
		case _, ok := <-a:
			if !ok {
				return // closed after ctx ended, as promised
			}
		case <-deadline:
			t.Fatal("subscription not closed after its context ended")
		}
	}
}

// testHubSubscriber runs a hub on the backend: a subscriber that recovers
// while replies are being posted sees every reply once, in order.
func testHubSubscriber(t *testing.T, b Backend) {
	h, err := hub.New(hub.Config{Store: b.Store, Broker: b.Broker, Secret: []byte("s")})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx := context.Background()
	cid := create(t, b.Store)
	appendReply(t, b.Store, cid, 1, false)
	const n = 30
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 2; i <= n; i++ {
			if _, _, err := h.PostReply(ctx, cid, hub.ReplyInput{Seq: i, IsEnd: ptr(i == n)}); err != nil {
				t.Errorf("PostReply %d: %v", i, err)
			}
		}
	}()
	sub := h.NewSubscriber()
	defer sub.Close()
	var seqs []int
	emit := func(r hub.Reply) error { seqs = append(seqs, r.Seq); return nil }
	if _, err := sub.Recover(ctx, cid, "", emit); err != nil {
		t.Fatal(err)
	}
	if err := sub.Live(ctx, cid, emit); err != nil {
		t.Fatal(err)
	}
	for len(seqs) == 0 || seqs[len(seqs)-1] != n {
		select {
		case r := <-sub.C():
			seqs = append(seqs, r.Seq)
		case <-sub.Done():
			t.Fatalf("subscriber closed: %v", sub.Err())
		case <-time.After(wait):
			t.Fatalf("got seqs %v, want 1..%d", seqs, n)
		}
	}
	<-done
	for i, s := range seqs {
		if s != i+1 {
			t.Fatalf("seqs = %v, want 1..%d once each, in order", seqs, n)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// testBrokerOverflow: a subscription that is not read loses messages once
// its buffer is full, and says so: after the last message it still holds
// comes the empty loss signal, so a lost last message (a cid's isEnd
// reply, say) is re-read from the store. A barrier message on a second
// topic, published after the flood on the same broker, shows the flood was
// dispatched.
func testBrokerOverflow(t *testing.T, b Backend) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	topic, barrier := "cid:"+newCID(t), "cid:"+newCID(t)
	flood, err := b.Broker.Subscribe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	bar, err := b.Broker.Subscribe(ctx, barrier)
	if err != nil {
		t.Fatal(err)
	}
	// A message on the barrier topic comes after everything the broker
	// dispatched before it: here, a resync hint confirming flood.
	if err := b.Broker.Publish(context.Background(), barrier, []byte("start")); err != nil {
		t.Fatal(err)
	}
	receive(t, bar)
	for len(flood) > 0 {
		if m := <-flood; len(m) > 0 {
			t.Fatalf("unexpected message %q before any publish", m)
		}
	}
	const n = 5000 // more than any buffer a broker may keep
	for i := 1; i <= n; i++ {
		if err := b.Broker.Publish(context.Background(), topic, fmt.Appendf(nil, "m%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Broker.Publish(context.Background(), barrier, []byte("end")); err != nil {
		t.Fatal(err)
	}
	receive(t, bar)
	var got []string
	for len(flood) > 0 {
		got = append(got, string(<-flood))
	}
	if len(got) == 0 || len(got) >= n {
		t.Fatalf("held %d messages of %d, want a bounded buffer that lost some", len(got), n)
	}
	last := got[len(got)-1]
	if last != "" && last != fmt.Sprintf("m%d", n) {
		t.Errorf("last held message = %q: the loss of m%d was not signalled", last, n)
	}
	if !slices.Contains(got, "") {
		t.Errorf("no loss signal among %d held messages", len(got))
	}
}
