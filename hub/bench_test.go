package hub_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/memstore"
)

// BenchmarkCheckReplyToken is the token check of every reply a service
// posts with its reply token.
func BenchmarkCheckReplyToken(b *testing.B) {
	tk := &hub.Tokens{Secret: []byte("a secret of some length")}
	tok := tk.ReplyToken("0193a5b6-cid")
	b.ReportAllocs()
	for b.Loop() {
		if !tk.CheckReplyToken("0193a5b6-cid", tok) {
			b.Fatal("token refused")
		}
	}
}

// BenchmarkFanout posts replies to one cid followed by n subscribers of
// one in-memory hub and waits until every subscriber has each one.
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(strconv.Itoa(n)+"subs", func(b *testing.B) { benchFanout(b, n) })
	}
}

func benchFanout(b *testing.B, n int) {
	ctx := context.Background()
	store := &memstore.Store{}
	h, err := hub.New(hub.Config{Store: store, Broker: &memstore.Broker{}, Secret: []byte("s"), SendBuffer: 1024})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	cid := "bench-cid"
	if _, _, err := store.CreateRequest(ctx, hub.Record{CID: cid, Caller: "shop", ServiceID: "svc", CreatedAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	subs := make([]*hub.Subscriber, n)
	for i := range subs {
		subs[i] = h.NewSubscriber()
		defer subs[i].Close()
		if _, err := subs[i].Recover(ctx, cid, "", func(hub.Reply) error { return nil }); err != nil {
			b.Fatal(err)
		}
		if err := subs[i].Live(ctx, cid, func(hub.Reply) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	notEnd := false
	in := hub.ReplyInput{IsEnd: &notEnd, Data: []byte(`{"n":1}`)}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := h.PostReply(ctx, cid, in); err != nil {
			b.Fatal(err)
		}
		for _, s := range subs {
			select {
			case <-s.C():
			case <-s.Done():
				b.Fatal(s.Err())
			}
		}
	}
}
