package hubtest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
)

// testTimers: a timer is claimed once due, leased (no second claim until
// the lease ends, then due again), moved by setting it again, and dropped
// only by the holder of its latest lease.
func testTimers(t *testing.T, b Backend) {
	ctx := context.Background()
	t0 := time.UnixMilli(time.Now().UnixMilli())
	tm := hub.Timer{CID: newCID(t), Kind: hub.TimerDeadline, At: t0}
	if err := b.Store.SetTimer(ctx, tm); err != nil {
		t.Fatal(err)
	}
	claim := func(now time.Time) []hub.Timer {
		t.Helper()
		ts, err := b.Store.ClaimTimers(ctx, now, 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var mine []hub.Timer
		for _, x := range ts {
			if x.CID == tm.CID {
				mine = append(mine, x)
			}
		}
		return mine
	}
	if got := claim(t0.Add(-time.Millisecond)); len(got) != 0 {
		t.Fatalf("claimed before due: %v", got)
	}
	got := claim(t0)
	if len(got) != 1 || got[0].Kind != hub.TimerDeadline || !got[0].At.Equal(t0.Add(time.Minute)) {
		t.Fatalf("claim when due = %v; want the deadline timer leased until %v", got, t0.Add(time.Minute))
	}
	if again := claim(t0.Add(time.Second)); len(again) != 0 {
		t.Fatalf("claimed while leased: %v", again)
	}
	second := claim(t0.Add(time.Minute))
	if len(second) != 1 {
		t.Fatalf("lease ran out: claim = %v, want the timer again", second)
	}
	if err := b.Store.DropTimer(ctx, got[0]); err != nil { // an older lease: not dropped
		t.Fatal(err)
	}
	if err := b.Store.DropTimer(ctx, second[0]); err != nil {
		t.Fatal(err)
	}
	if left := claim(t0.Add(time.Hour)); len(left) != 0 {
		t.Fatalf("claimed after drop: %v", left)
	}
	moved := hub.Timer{CID: tm.CID, Kind: hub.TimerStall, At: t0.Add(time.Hour)}
	_ = b.Store.SetTimer(ctx, hub.Timer{CID: tm.CID, Kind: hub.TimerStall, At: t0})
	_ = b.Store.SetTimer(ctx, moved)
	if early := claim(t0.Add(time.Minute)); len(early) != 0 {
		t.Fatalf("claimed at its old time after it was moved: %v", early)
	}
	if late := claim(moved.At); len(late) != 1 || late[0].Kind != hub.TimerStall {
		t.Fatalf("claim at its new time = %v, want the stall timer", late)
	}
}

// testEndState: an isEnd reply the hub stores leaves its EndState and
// keeps its origin; a reply after it is refused naming that state.
func testEndState(t *testing.T, b Backend) {
	ctx := context.Background()
	cid := create(t, b.Store)
	a, err := b.Store.AppendReply(ctx, hub.Reply{CID: cid, IsEnd: true, Code: hub.CodeDeadline,
		Msg: "deadline exceeded", Origin: "hub", EndState: hub.StateExpired})
	if err != nil || a.Reply.Seq != 1 || a.Reply.Origin != "hub" {
		t.Fatalf("AppendReply = %+v, %v; want seq 1 with origin hub", a.Reply, err)
	}
	rec, err := b.Store.Get(ctx, cid)
	if err != nil || rec.State != hub.StateExpired || len(rec.Replies) != 1 || rec.Replies[0].Origin != "hub" {
		t.Fatalf("record = %+v, %v; want expired with the hub's reply", rec, err)
	}
	_, err = b.Store.AppendReply(ctx, hub.Reply{CID: cid, Seq: 2, IsEnd: true})
	if !errors.Is(err, hub.ErrConflict) || !strings.Contains(err.Error(), hub.StateExpired) {
		t.Errorf("reply after the hub ended the cid = %v, want a conflict naming %q", err, hub.StateExpired)
	}
	if _, err := b.Store.Sign(ctx, cid, time.Now()); !errors.Is(err, hub.ErrConflict) {
		t.Errorf("heartbeat after the end = %v, want a conflict", err)
	}
}

// testStall: a cid silent for its heartbeatMs stalls once; a heartbeat or
// a reply resumes it; a cid without a heartbeat never stalls.
func testStall(t *testing.T, b Backend) {
	ctx := context.Background()
	t0 := time.UnixMilli(time.Now().UnixMilli())
	cid := newCID(t)
	if _, _, err := b.Store.CreateRequest(ctx, hub.Record{CID: cid, ServiceID: "svc", Caller: "shop",
		State: hub.StatePending, Mode: hub.ModeAsync, CreatedAt: t0, HeartbeatMs: 1000}); err != nil {
		t.Fatal(err)
	}
	check := func(now time.Time) hub.Stall {
		t.Helper()
		st, err := b.Store.CheckStall(ctx, cid, now)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := check(t0.Add(500 * time.Millisecond)); st.Stalled || !st.Next.Equal(t0.Add(time.Second)) {
		t.Fatalf("half way: %+v; want a check again at %v", st, t0.Add(time.Second))
	}
	if st := check(t0.Add(time.Second)); !st.Stalled || !st.Since.Equal(t0) || st.Caller != "shop" {
		t.Fatalf("silent for heartbeatMs: %+v; want stalled since %v", st, t0)
	}
	if rec, _ := b.Store.Lookup(ctx, cid); rec.StalledSince == nil || !rec.StalledSince.Equal(t0) {
		t.Fatalf("record stalledSince = %v, want %v", rec.StalledSince, t0)
	}
	if st := check(t0.Add(2 * time.Second)); st.Stalled || !st.Next.IsZero() {
		t.Fatalf("stalled already: %+v; want nothing more", st)
	}
	s, err := b.Store.Sign(ctx, cid, t0.Add(3*time.Second))
	if err != nil || !s.Resumed || s.HeartbeatMs != 1000 || s.Caller != "shop" {
		t.Fatalf("Sign = %+v, %v; want resumed", s, err)
	}
	if rec, _ := b.Store.Lookup(ctx, cid); rec.StalledSince != nil || rec.HeartbeatMs != 1000 {
		t.Fatalf("after a heartbeat: stalledSince %v heartbeatMs %d; want none and 1000", rec.StalledSince, rec.HeartbeatMs)
	}
	if st := check(t0.Add(4 * time.Second)); !st.Stalled {
		t.Fatalf("silent again: %+v, want stalled", st)
	}
	a, err := b.Store.AppendReply(ctx, hub.Reply{CID: cid, Seq: 1, IsEnd: false})
	if err != nil || !a.Resumed || a.Record.HeartbeatMs != 1000 {
		t.Fatalf("reply to a stalled cid = resumed %v heartbeatMs %d, %v; want resumed, 1000", a.Resumed, a.Record.HeartbeatMs, err)
	}
	plain := create(t, b.Store)
	if st, err := b.Store.CheckStall(ctx, plain, t0.Add(time.Hour)); err != nil || st.Stalled || !st.Next.IsZero() {
		t.Errorf("cid without heartbeat: %+v, %v; want never stalled", st, err)
	}
	if _, err := b.Store.Sign(ctx, "nope", t0); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("Sign(unknown) = %v, want ErrNotFound", err)
	}
}
