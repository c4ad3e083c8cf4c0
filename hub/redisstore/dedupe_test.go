package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/redisstore/redistest"
)

// dedupeStore opens a store on srv.
func dedupeStore(t *testing.T, srv *redistest.Server) *Store {
	t.Helper()
	s, err := Open(Config{URL: srv.URL(0), KeyPrefix: "dd:"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// replyData is the data of the try-th reply of seq.
func replyData(seq, try int) []byte { return fmt.Appendf(nil, `{"seq":%d,"try":%d}`, seq, try) }

func appendSeq(t *testing.T, s *Store, cid string, seq, try int) hub.Appended {
	t.Helper()
	a, err := s.AppendReply(context.Background(), hub.Reply{CID: cid, Seq: seq, Data: replyData(seq, try)})
	if err != nil {
		t.Fatalf("seq %d: %v", seq, err)
	}
	return a
}

func mappedSeq(t *testing.T, s *Store, cid string, seq int) bool {
	t.Helper()
	ok, err := s.rdb.HExists(context.Background(), s.key("req", cid), "s"+strconv.Itoa(seq)).Result()
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestAppendMapsEverySeq: a record this callhub makes gets an s<seq>
// field for every seq stored, in order or not, which is where an
// instance of the previous release looks for duplicates during a rolling
// upgrade; a retry of any of them answers the stored reply.
func TestAppendMapsEverySeq(t *testing.T) {
	srv := redistest.Start(t)
	s := dedupeStore(t, srv)
	ctx := context.Background()
	cid := "dd-new"
	if _, _, err := s.CreateRequest(ctx, hub.Record{CID: cid, ServiceID: "svc", Caller: "shop", State: hub.StatePending, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	offsets := map[int]string{}
	for _, seq := range []int{1, 2, 3, 5, 4, 6} {
		a := appendSeq(t, s, cid, seq, 0)
		if a.Dup {
			t.Fatalf("seq %d stored first: dup", seq)
		}
		offsets[seq] = a.Reply.Offset
	}
	for seq, offset := range offsets {
		if got := srv.Client().HGet(ctx, s.key("req", cid), "s"+strconv.Itoa(seq)).Val(); got != offset {
			t.Errorf("s%d = %q, want %s", seq, got, offset)
		}
		a := appendSeq(t, s, cid, seq, 1)
		if !a.Dup || a.Reply.Offset != offset || string(a.Reply.Data) != string(replyData(seq, 0)) {
			t.Errorf("seq %d again: dup %v at %s data %s, want the stored one at %s", seq, a.Dup, a.Reply.Offset, a.Reply.Data, offset)
		}
	}
	if n := srv.Client().XLen(ctx, s.key("replies", cid)).Val(); n != int64(len(offsets)) {
		t.Errorf("%d stream entries, want %d", n, len(offsets))
	}
}

// TestAppendRecordsOfThePreviousRelease: records written before the
// record always held the append script's fields (no empty fields) get
// dedupe, the heartbeat's stall and
// resume, and the end right; records of an older callhub (no "v") keep
// their seqs in their own hash.
func TestAppendRecordsOfThePreviousRelease(t *testing.T) {
	srv := redistest.Start(t)
	s := dedupeStore(t, srv)
	ctx := context.Background()
	created := time.Now().Add(-time.Minute).UnixMilli()
	cid := "dd-v2"
	srv.Client().HSet(ctx, s.key("req", cid), "serviceId", "svc", "caller", "shop", "state", hub.StatePending,
		"createdAt", created, "v", "2", "hb", "1000", "sign", created)
	srv.Client().PExpire(ctx, s.key("req", cid), time.Hour)
	offsets := map[int]string{}
	for seq := 1; seq <= 3; seq++ {
		a := appendSeq(t, s, cid, seq, 0)
		if a.Dup || a.Record.HeartbeatMs != 1000 {
			t.Fatalf("seq %d: dup %v, heartbeat %d", seq, a.Dup, a.Record.HeartbeatMs)
		}
		offsets[seq] = a.Reply.Offset
		if !mappedSeq(t, s, cid, seq) {
			t.Errorf("seq %d: no s%d in a record of the previous release", seq, seq)
		}
	}
	if a := appendSeq(t, s, cid, 2, 1); !a.Dup || a.Reply.Offset != offsets[2] {
		t.Errorf("seq 2 again: dup %v at %s, want the stored one at %s", a.Dup, a.Reply.Offset, offsets[2])
	}
	st, err := s.CheckStall(ctx, cid, time.Now().Add(time.Hour))
	if err != nil || !st.Stalled {
		t.Fatalf("CheckStall: %+v, %v; want stalled", st, err)
	}
	if a := appendSeq(t, s, cid, 4, 0); !a.Resumed {
		t.Error("a reply to a stalled cid did not resume it")
	}
	if a := appendSeq(t, s, cid, 5, 0); a.Resumed {
		t.Error("a second reply resumed the cid again")
	}
	if _, err := s.AppendReply(ctx, hub.Reply{CID: cid, Seq: 6, IsEnd: true, Data: replyData(6, 0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendReply(ctx, hub.Reply{CID: cid, Seq: 7, Data: replyData(7, 0)}); !errors.Is(err, hub.ErrConflict) {
		t.Errorf("a reply after the end: %v, want ended", err)
	}
	if a := appendSeq(t, s, cid, 3, 1); !a.Dup || a.Reply.Offset != offsets[3] {
		t.Errorf("seq 3 after the end: dup %v at %s, want the stored one at %s", a.Dup, a.Reply.Offset, offsets[3])
	}

	old := "dd-v1" // an older callhub's record: seqs in rseq
	srv.Client().HSet(ctx, s.key("req", old), "cid", old, "serviceId", "svc", "caller", "shop",
		"state", hub.StatePending, "createdAt", created)
	srv.Client().PExpire(ctx, s.key("req", old), time.Hour)
	first := appendSeq(t, s, old, 1, 0)
	appendSeq(t, s, old, 2, 0)
	if got := srv.Client().HGet(ctx, s.key("rseq", old), "1").Val(); got != first.Reply.Offset {
		t.Errorf("rseq 1 of an older record: %q, want %s", got, first.Reply.Offset)
	}
	if a := appendSeq(t, s, old, 1, 1); !a.Dup || a.Reply.Offset != first.Reply.Offset {
		t.Errorf("seq 1 again on an older record: dup %v at %s, want %s", a.Dup, a.Reply.Offset, first.Reply.Offset)
	}
}

// TestRecordHeartbeatFieldEmpty: a record this callhub makes always holds
// "hb", empty without a heartbeat: such a cid gets no sign of life and
// never stalls; one with a heartbeat stalls and resumes as before.
func TestRecordHeartbeatFieldEmpty(t *testing.T) {
	srv := redistest.Start(t)
	s := dedupeStore(t, srv)
	ctx := context.Background()
	now := time.Now()
	for _, rec := range []hub.Record{{CID: "dd-nohb"}, {CID: "dd-hb", HeartbeatMs: 1000}} {
		rec.ServiceID, rec.Caller, rec.State, rec.CreatedAt = "svc", "shop", hub.StatePending, now
		if _, _, err := s.CreateRequest(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	if hb := srv.Client().HGet(ctx, s.key("req", "dd-nohb"), "hb").Val(); hb != "" {
		t.Fatalf("hb of a cid without heartbeat: %q", hb)
	}
	signed, err := s.Sign(ctx, "dd-nohb", now)
	if err != nil || signed.HeartbeatMs != 0 || signed.Resumed {
		t.Errorf("Sign without heartbeat: %+v, %v", signed, err)
	}
	st, err := s.CheckStall(ctx, "dd-nohb", now.Add(time.Hour))
	if err != nil || st.Stalled || !st.Next.IsZero() {
		t.Errorf("CheckStall without heartbeat: %+v, %v; want none", st, err)
	}
	if a := appendSeq(t, s, "dd-nohb", 1, 0); a.Record.HeartbeatMs != 0 || a.Resumed {
		t.Errorf("a reply without heartbeat: heartbeat %d, resumed %v", a.Record.HeartbeatMs, a.Resumed)
	}
	if srv.Client().HExists(ctx, s.key("req", "dd-nohb"), "sign").Val() {
		t.Error("a cid without heartbeat got a sign of life")
	}

	if st, err := s.CheckStall(ctx, "dd-hb", now.Add(time.Hour)); err != nil || !st.Stalled {
		t.Fatalf("CheckStall with heartbeat: %+v, %v; want stalled", st, err)
	}
	if a := appendSeq(t, s, "dd-hb", 1, 0); !a.Resumed || a.Record.HeartbeatMs != 1000 {
		t.Errorf("a reply to a stalled cid: resumed %v, heartbeat %d", a.Resumed, a.Record.HeartbeatMs)
	}
	if a := appendSeq(t, s, "dd-hb", 2, 0); a.Resumed {
		t.Error("a second reply resumed the cid again")
	}
	rec, err := s.Lookup(ctx, "dd-hb")
	if err != nil || rec.StalledSince != nil || rec.Callback != nil || rec.Legacy || rec.TraceParent != "" {
		t.Errorf("Lookup: %+v, %v", rec, err)
	}
}
