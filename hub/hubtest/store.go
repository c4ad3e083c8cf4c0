package hubtest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
)

func testCreateRequest(t *testing.T, b Backend) {
	ctx := context.Background()
	cid := create(t, b.Store)
	got, created, err := b.Store.CreateRequest(ctx, hub.Record{CID: cid, ServiceID: "other",
		Caller: "intruder", CreatedAt: time.Now()})
	if err != nil || created {
		t.Fatalf("second CreateRequest = created %v, %v; want existing", created, err)
	}
	if got.Caller != "shop" || got.ServiceID != "svc" {
		t.Errorf("existing record = caller %q service %q, want shop svc", got.Caller, got.ServiceID)
	}
	if got.Callback == nil || got.Callback.URL != "/cb" {
		t.Errorf("existing record callback = %+v, want /cb", got.Callback)
	}
	rec, err := b.Store.Lookup(ctx, cid)
	if err != nil || rec.State != hub.StatePending {
		t.Errorf("Lookup = %+v, %v; want pending", rec, err)
	}
	if _, err := b.Store.Lookup(ctx, "nope"); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("Lookup(unknown) = %v, want ErrNotFound", err)
	}
	if err := b.Store.SetState(ctx, cid, hub.StateFailed); err != nil {
		t.Fatal(err)
	}
	if rec, _ := b.Store.Lookup(ctx, cid); rec.State != hub.StateFailed {
		t.Errorf("state after SetState = %q, want failed", rec.State)
	}
}

func testSteps(t *testing.T, b Backend) {
	ctx := context.Background()
	cid := create(t, b.Store)
	if _, fresh, err := b.Store.BeginStep(ctx, cid, hub.Step{Seq: 1}); err != nil || !fresh {
		t.Fatalf("BeginStep = fresh %v, %v; want fresh", fresh, err)
	}
	old, fresh, err := b.Store.BeginStep(ctx, cid, hub.Step{Seq: 1})
	if err != nil || fresh || old.Done {
		t.Fatalf("BeginStep again = %+v fresh %v, %v; want the unfinished step", old, fresh, err)
	}
	done := hub.Step{Seq: 1, Done: true, Status: 201, Data: []byte(`{"ok":true}`)}
	if err := b.Store.FinishStep(ctx, cid, done); err != nil {
		t.Fatal(err)
	}
	old, _, _ = b.Store.BeginStep(ctx, cid, hub.Step{Seq: 1})
	if !old.Done || old.Status != 201 || string(old.Data) != `{"ok":true}` {
		t.Errorf("stored step = %+v, want the finished one", old)
	}
	if _, _, err := b.Store.BeginStep(ctx, "nope", hub.Step{Seq: 1}); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("BeginStep(unknown) = %v, want ErrNotFound", err)
	}
}

func testAppendReply(t *testing.T, b Backend) {
	ctx := context.Background()
	cid := create(t, b.Store)
	r1 := appendReply(t, b.Store, cid, 1, false)
	r2 := appendReply(t, b.Store, cid, 0, false) // next seq
	if r2.Seq != 2 || !hub.OffsetLess(r1.Offset, r2.Offset) || r2.Prev != r1.Offset || r1.Prev != "" {
		t.Errorf("r1 = %+v, r2 = %+v; want seq 2, increasing offsets, prev chain", r1, r2)
	}
	if r1.Caller != "shop" {
		t.Errorf("reply caller = %q, want shop", r1.Caller)
	}
	a3, err := b.Store.AppendReply(ctx, hub.Reply{CID: cid, Seq: 5})
	if err != nil || a3.Record.Caller != "shop" || a3.Record.Callback == nil || a3.Record.Callback.URL != "/cb" {
		t.Errorf("AppendReply = %+v, %v; want the record's caller and callback for queueing", a3, err)
	}
	again, err := b.Store.AppendReply(ctx, hub.Reply{CID: cid, Seq: 1, Data: []byte(`{"other":1}`)})
	if err != nil || !again.Dup || again.Reply.Offset != r1.Offset || string(again.Reply.Data) != `{"n":1}` ||
		again.Reply.Seq != 1 || again.Reply.Caller != "shop" || again.Reply.Prev != "" {
		t.Errorf("duplicate = %+v, %v; want the first reply, with its caller", again, err)
	}
	appendReply(t, b.Store, cid, 3, true)
	if rec, _ := b.Store.Lookup(ctx, cid); rec.State != hub.StateCompleted {
		t.Errorf("state after isEnd = %q, want completed", rec.State)
	}
	if _, err := b.Store.AppendReply(ctx, hub.Reply{CID: cid, Seq: 4}); !errors.Is(err, hub.ErrConflict) {
		t.Errorf("reply after isEnd = %v, want ErrConflict", err)
	}
	if _, err := b.Store.AppendReply(ctx, hub.Reply{CID: "nope", Seq: 1}); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("reply to unknown cid = %v, want ErrNotFound", err)
	}
}

// testAppendReplyConcurrent: many writers of the same seq store it once.
func testAppendReplyConcurrent(t *testing.T, b Backend) {
	cid := create(t, b.Store)
	var wg sync.WaitGroup
	var mu sync.Mutex
	stored, offsets := 0, map[string]bool{}
	for range 16 {
		wg.Go(func() {
			a, err := b.Store.AppendReply(context.Background(), hub.Reply{CID: cid, Seq: 1})
			r, dup := a.Reply, a.Dup
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("AppendReply: %v", err)
				return
			}
			if !dup {
				stored++
			}
			offsets[r.Offset] = true
		})
	}
	wg.Wait()
	if stored != 1 || len(offsets) != 1 {
		t.Errorf("stored %d times under %d offsets, want once", stored, len(offsets))
	}
}

func testReplies(t *testing.T, b Backend) {
	ctx := context.Background()
	cid := create(t, b.Store)
	var rs []hub.Reply
	for i := 1; i <= 5; i++ {
		rs = append(rs, appendReply(t, b.Store, cid, i, i == 5))
	}
	all, err := b.Store.Replies(ctx, cid, "", 0)
	if err != nil || len(all) != 5 {
		t.Fatalf("Replies(all) = %d, %v; want 5", len(all), err)
	}
	after, _ := b.Store.Replies(ctx, cid, rs[1].Offset, 2)
	if len(after) != 2 || after[0].Seq != 3 || after[1].Seq != 4 {
		t.Errorf("Replies(after seq 2, limit 2) = %+v, want seq 3, 4", after)
	}
	if !all[4].IsEnd || string(all[2].Data) != `{"n":3}` {
		t.Errorf("stored reply fields lost: %+v", all)
	}
	if _, err := b.Store.Replies(ctx, "nope", "", 0); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("Replies(unknown) = %v, want ErrNotFound", err)
	}
	// The largest offsets come after every reply: nothing follows them.
	for _, last := range []string{"18446744073709551615-0", "18446744073709551615-18446744073709551615"} {
		if after, err := b.Store.Replies(ctx, cid, last, 0); err != nil || len(after) != 0 {
			t.Errorf("Replies(after %s) = %d replies, %v; want none", last, len(after), err)
		}
		if _, err := b.Store.Replies(ctx, "nope", last, 0); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("Replies(unknown, after %s) = %v, want ErrNotFound", last, err)
		}
	}
}

func testGet(t *testing.T, b Backend) {
	ctx := context.Background()
	cid := create(t, b.Store)
	for _, seq := range []int{2, 1} {
		b.Store.BeginStep(ctx, cid, hub.Step{Seq: seq})
	}
	appendReply(t, b.Store, cid, 1, false)
	rec, err := b.Store.Get(ctx, cid)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Steps) != 2 || rec.Steps[0].Seq != 1 || len(rec.Replies) != 1 || rec.Caller != "shop" {
		t.Errorf("Get = %+v, want 2 steps in seq order and 1 reply", rec)
	}
	if _, err := b.Store.Get(ctx, "nope"); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("Get(unknown) = %v, want ErrNotFound", err)
	}
}
