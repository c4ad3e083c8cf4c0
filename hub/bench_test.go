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

// BenchmarkReplyFrame encodes one reply's frame, as a subscriber's push
// or a broker message does once per stored reply.
func BenchmarkReplyFrame(b *testing.B) {
	r := hub.Reply{CID: "0193a5b6-7c2d-7e8f-9a0b-1c2d3e4f5a6b", Seq: 3, IsEnd: false, Code: 0,
		Msg: "ok", Data: []byte(`{"n":1,"items":["a b","c"],"note":"fine"}`), Offset: "1764000000000-3",
		At: time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)}
	b.ReportAllocs()
	for b.Loop() {
		if f := r.Frame(); len(f) == 0 {
			b.Fatal("empty frame")
		}
	}
}
