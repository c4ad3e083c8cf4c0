package redisstore

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
)

// TestAppendReplyOneRoundTrip: storing a reply is one script call, and
// inside it one HMGET, one XADD, one HSET and one PUBLISH on the cid's
// channel; its caller's channel gets it only while some instance follows
// the caller, which an instance learns from another's announcement, or,
// started later, from the set of follows.
func TestAppendReplyOneRoundTrip(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	open := func() *Store {
		// Announced once, never again within the test: what others learn
		// later comes from the set.
		s, err := Open(Config{URL: srv.URL(0), KeyPrefix: "rt:", FollowAnnounce: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a := open()
	testwait.Until(t, "A to read who follows what", func() bool { return !a.broker.followed("shop") })
	cid := "c-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if _, _, err := a.CreateRequest(ctx, hub.Record{CID: cid, Caller: "shop", ServiceID: "svc", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AppendReply(ctx, hub.Reply{CID: cid, Seq: 1}); err != nil { // creates the stream, loads the script
		t.Fatal(err)
	}
	if err := srv.Client().ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AppendReply(ctx, hub.Reply{CID: cid, Seq: 2, Data: []byte(`{"n":2}`)}); err != nil {
		t.Fatal(err)
	}
	got := srv.CommandCalls()
	delete(got, "config|resetstat")
	want := map[string]int{"evalsha": 1, "hmget": 1, "xadd": 1, "hset": 1, "publish": 1}
	for name, n := range got {
		if strings.HasPrefix(name, "info") {
			continue
		}
		if want[name] != n {
			t.Errorf("%s called %d times for one reply, want %d (all: %v)", name, n, want[name], got)
		}
	}

	b := open()
	ch, err := b.Broker().Subscribe(ctx, "caller:shop")
	if err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, "A to hear that B follows shop", func() bool { return a.broker.followed("shop") })
	c := open() // starts after B's announcement: learns it from the set
	testwait.Until(t, "C to read who follows what", func() bool {
		c.broker.follow.mu.Lock()
		defer c.broker.follow.mu.Unlock()
		return c.broker.follow.known
	})
	if !c.broker.followed("shop") {
		t.Error("an instance started after B followed shop does not know it")
	}
	if _, err := a.AppendReply(ctx, hub.Reply{CID: cid, Seq: 3, IsEnd: true, Data: []byte(`{"n":3}`)}); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case msg := <-ch:
			if len(msg) == 0 {
				continue // the subscription's resync hint
			}
			r, err := hub.ParseMessage(msg)
			if err != nil || r.CID != cid || r.Seq != 3 || !r.IsEnd || string(r.Data) != `{"n":3}` || r.Caller != "shop" {
				t.Fatalf("caller channel message = %+v, %v; want seq 3 of %s", r, err, cid)
			}
			return
		case <-time.After(10 * time.Second):
			t.Fatal("the reply never reached the caller's channel")
		}
	}
}

// TestEndReplyCompactsStream: Redis gives a new stream a node of 4 KiB;
// the isEnd reply rewrites the cid's stream to its size, with its
// expiry, and its replies read back as they were stored.
func TestEndReplyCompactsStream(t *testing.T) {
	srv := redistest.Start(t)
	s, err := Open(Config{URL: srv.URL(0), KeyPrefix: "cs:"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	cid := "c-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if _, _, err := s.CreateRequest(ctx, hub.Record{CID: cid, Caller: "shop", ServiceID: "svc", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	key := s.key("replies", cid)
	first, err := s.AppendReply(ctx, hub.Reply{CID: cid, Seq: 1, Data: []byte(`{"n":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	open := s.rdb.MemoryUsage(ctx, key).Val()
	last, err := s.AppendReply(ctx, hub.Reply{CID: cid, Seq: 2, IsEnd: true, Data: []byte(`{"n":2}`)})
	if err != nil {
		t.Fatal(err)
	}
	ended := s.rdb.MemoryUsage(ctx, key).Val()
	if open < 4096 || ended > 2048 {
		t.Errorf("stream of 2 replies: %d bytes before the isEnd reply, %d after; want ≥ 4096, then ≤ 2048", open, ended)
	}
	if ttl, rec := s.rdb.PTTL(ctx, key).Val(), s.rdb.PTTL(ctx, s.key("req", cid)).Val(); ttl <= 0 || ttl-rec > time.Second || rec-ttl > time.Second {
		t.Errorf("stream expires in %v, record in %v; want the record's expiry", ttl, rec)
	}
	rs, err := s.Replies(ctx, cid, "", 0)
	if err != nil || len(rs) != 2 || rs[0].Offset != first.Reply.Offset || rs[1].Offset != last.Reply.Offset ||
		string(rs[1].Data) != `{"n":2}` || !rs[1].IsEnd {
		t.Fatalf("Replies after the rewrite = %+v, %v", rs, err)
	}
	if a, err := s.AppendReply(ctx, hub.Reply{CID: cid, Seq: 2, IsEnd: true}); err != nil || !a.Dup || a.Reply.Offset != last.Reply.Offset {
		t.Errorf("repeat of the isEnd reply = %+v, %v; want the stored one", a, err)
	}
}
