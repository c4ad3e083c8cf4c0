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

// TestAppendScriptMessage pins the append script's broker message, as
// published and as stored in the stream, to the hub's own: byte for byte
// what hub.Reply.Message builds of the reply AppendReply answers, for
// replies of every shape (data, file, origin, traceparent, a caller with
// a space, auto seq, end).
func TestAppendScriptMessage(t *testing.T) {
	srv := redistest.Start(t)
	s, err := Open(Config{URL: srv.URL(0), KeyPrefix: "msg:"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	cid := "c-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if _, _, err := s.CreateRequest(ctx, hub.Record{CID: cid, Caller: "the shop", ServiceID: "svc", CreatedAt: time.Now(),
		TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}); err != nil {
		t.Fatal(err)
	}
	msgs, err := s.Broker().Subscribe(ctx, "cid:"+cid)
	if err != nil {
		t.Fatal(err)
	}
	resynced(t, msgs) // subscribed: what is published from now on arrives
	for _, r := range []hub.Reply{
		{Seq: 1, Data: []byte(`{"n":1,"s":"\u003c%s%%\"offset\":\"\""}`), Msg: "a %s msg"},
		{Seq: 2, Code: 7, File: &hub.FileRef{ID: "f1", Name: "x y.txt", Size: 3, SHA256: "ab", URL: "http://127.0.0.1/f1"},
			TraceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
		{IsEnd: true, Code: 504, Msg: "deadline exceeded", Origin: "hub", EndState: hub.StateExpired},
	} {
		r.CID = cid
		a, err := s.AppendReply(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		want := a.Reply.Message()
		var got []byte
		for len(got) == 0 { // skip the subscription's resync hint
			select {
			case got = <-msgs:
			case <-time.After(testwait.Deadline):
				t.Fatalf("seq %d never published", a.Reply.Seq)
			}
		}
		if string(got) != string(want) {
			t.Errorf("published seq %d:\n%s\nthe hub builds\n%s", a.Reply.Seq, got, want)
		}
		e := s.rdb.XRange(ctx, s.key("replies", cid), a.Reply.Offset, a.Reply.Offset).Val()
		if len(e) != 1 || e[0].Values["h"].(string)+"\n"+e[0].Values["f"].(string) != string(want) {
			t.Errorf("stored seq %d: %v; want the same message", a.Reply.Seq, e)
		}
		if p, err := hub.ParseMessage(got); err != nil || p.Seq != a.Reply.Seq || p.Caller != "the shop" || p.Origin != r.Origin {
			t.Errorf("ParseMessage = %+v, %v", p, err)
		}
	}
}

// TestAppendAnswerFields: every field of the append script's answer for
// a stored reply comes back as the record and the reply hold it, set or
// empty, whatever caller, traceparent and callback contain (spaces,
// digits, a separator of the answer's).
func TestAppendAnswerFields(t *testing.T) {
	srv := redistest.Start(t)
	s := dedupeStore(t, srv)
	ctx := context.Background()
	after := 5
	full := hub.Record{CID: "af-full", Caller: "shop 12 3", ServiceID: "svc", State: hub.StatePending,
		Callback:    &hub.Callback{URL: "http://cb/a b?x=1 2", Method: "PUT", When: hub.CallbackUnacked, AfterMs: &after},
		Legacy:      true,
		TraceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01 1 2",
		HeartbeatMs: 1000, CreatedAt: time.Now().Add(-time.Minute)}
	if _, _, err := s.CreateRequest(ctx, full); err != nil {
		t.Fatal(err)
	}
	check := func(what string, a hub.Appended, seq int, prev, tp string, want hub.Record, resumed bool) {
		t.Helper()
		r := a.Reply
		if a.Dup || r.Seq != seq || !hub.ValidOffset(r.Offset) || r.Prev != prev || r.Caller != want.Caller || r.TraceParent != tp {
			t.Errorf("%s: reply seq %d offset %q prev %q caller %q tp %q dup %v; want seq %d prev %q caller %q tp %q",
				what, r.Seq, r.Offset, r.Prev, r.Caller, r.TraceParent, a.Dup, seq, prev, want.Caller, tp)
		}
		g := a.Record
		if g.CID != want.CID || g.Caller != want.Caller || g.Legacy != want.Legacy || g.TraceParent != want.TraceParent ||
			g.HeartbeatMs != want.HeartbeatMs || (g.Callback == nil) != (want.Callback == nil) || a.Resumed != resumed {
			t.Errorf("%s: record %+v resumed %v; want %+v resumed %v", what, g, a.Resumed, want, resumed)
		}
		if g.Callback != nil && (g.Callback.URL != want.Callback.URL || g.Callback.Method != want.Callback.Method ||
			g.Callback.When != want.Callback.When || g.Callback.AfterMs == nil || *g.Callback.AfterMs != after) {
			t.Errorf("%s: callback %+v, want %+v", what, g.Callback, want.Callback)
		}
	}
	a1, err := s.AppendReply(ctx, hub.Reply{CID: full.CID, Seq: 1})
	if err != nil {
		t.Fatal(err)
	}
	check("first reply", a1, 1, "", full.TraceParent, full, false)
	if st, err := s.CheckStall(ctx, full.CID, time.Now().Add(time.Hour)); err != nil || !st.Stalled {
		t.Fatalf("CheckStall: %+v, %v; want stalled", st, err)
	}
	own := "00-11111111111111111111111111111111-2222222222222222-01"
	a2, err := s.AppendReply(ctx, hub.Reply{CID: full.CID, TraceParent: own}) // seq 0: the next one
	if err != nil {
		t.Fatal(err)
	}
	check("next reply, stalled", a2, 2, a1.Reply.Offset, own, full, true)

	// A record with every field the answer carries empty.
	empty := hub.Record{CID: "af-empty"}
	srv.Client().HSet(ctx, s.key("req", empty.CID), "caller", "", "ended", "0", "maxSeq", "0", "lastOffset", "",
		"callback", "", "v", "2", "legacy", "", "tp", "", "state", hub.StatePending, "hb", "")
	a3, err := s.AppendReply(ctx, hub.Reply{CID: empty.CID, Seq: 7})
	if err != nil {
		t.Fatal(err)
	}
	check("empty record", a3, 7, "", "", empty, false)
}

// TestParseAppended: an answer is read back field by field, and one cut
// short or with lengths past its end is refused, not misread.
func TestParseAppended(t *testing.T) {
	want := appendAnswer{offset: "17-0", seq: "3", prev: "16-2", legacy: "1", resumed: "", hb: "250",
		caller: "a b", traceParent: "", callback: `{"url":"x y 1 2"}`}
	got, ok := parseAppended(`ok 17-0 3 16-2 1  250 3 0 a b{"url":"x y 1 2"}`)
	if !ok || got != want {
		t.Errorf("parseAppended = %+v, %v; want %+v", got, ok, want)
	}
	if got, ok := parseAppended("ok " + strings.Repeat(" ", 6) + "0 0 "); !ok || got != (appendAnswer{}) {
		t.Errorf("every field empty: %+v, %v", got, ok)
	}
	for _, bad := range []string{"", "ok", "dup 1-0", "ok 1-0 1  0  0 0", "ok 1-0 1  0  0 4 0 abc",
		"ok 1-0 1  0  0 2 2 abc", "ok 1-0 1  0  0 -1 0 abc", "ok 1-0 1  0  0 x 0 abc"} {
		if got, ok := parseAppended(bad); ok {
			t.Errorf("parseAppended(%q) = %+v, want refused", bad, got)
		}
	}
}

// TestAppendCallNames: the keys and channel the append script is given
// in one allocation are those key and channel name.
func TestAppendCallNames(t *testing.T) {
	s := &Store{prefix: "p:", broker: &broker{prefix: "p:"}}
	for _, cid := range []string{"c1", "", "a%b{c}"} {
		var keys [3]string
		s.cidKeys(keys[:], cid, "req", "replies", "rseq")
		if want := [3]string{s.key("req", cid), s.key("replies", cid), s.key("rseq", cid)}; keys != want {
			t.Errorf("cidKeys(%q) = %q, want %q", cid, keys, want)
		}
		if got, want := string(s.broker.appendCIDChannel([]byte("x"), cid)), "x"+s.broker.channel("cid:"+cid); got != want {
			t.Errorf("appendCIDChannel(%q) = %q, want %q", cid, got, want)
		}
	}
}

// TestErrorHookSuccessAllocatesNothing: the error hook runs on every
// command and pipeline; one that succeeded costs it no allocation.
func TestErrorHookSuccessAllocatesNothing(t *testing.T) {
	h := errorHook{onError: func() { t.Error("onError for a success") }}
	if n := testing.AllocsPerRun(100, func() { h.note(nil) }); n != 0 {
		t.Errorf("note(nil) allocates %v times, want 0", n)
	}
}
