package redisstore

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/hubtest"
	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
	"github.com/google/uuid"
)

func openQueue(t *testing.T, prefix string) (*Store, *Queue) {
	t.Helper()
	s, _, q := openQueueOn(t, prefix)
	return s, q
}

func openQueueOn(t *testing.T, prefix string) (*Store, *redistest.Server, *Queue) {
	t.Helper()
	srv := redistest.Start(t)
	s, err := Open(Config{URL: srv.URL(0), KeyPrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, srv, s.Queue()
}

// TestQueueCallbackCost: a callback delivered at its first attempt costs
// three script calls — add, claim, save — and a dozen commands inside
// them, whatever the number of partitions (the claim's two keep what it
// leased under its token); a second reply of the cid adds the lookup of
// its head's due time and nothing else.
func TestQueueCallbackCost(t *testing.T) {
	s, srv, q := openQueueOn(t, "cost:")
	ctx := context.Background()
	now := time.Now()
	cycle := func(cid string, seq int, prev string) {
		d := callback.Delivery{ID: callback.DeliveryID(cid, seq), CID: cid, Seq: seq, State: callback.Pending,
			NextAttemptAt: now, CreatedAt: now, Reply: hub.Reply{CID: cid, Seq: seq, Offset: "1-" + string(rune('0'+seq)), Prev: prev}}
		if err := q.Add(ctx, d); err != nil {
			t.Fatal(err)
		}
		ds, err := q.Claim(ctx, now, 10, time.Minute)
		if err != nil || len(ds) != 1 || ds[0].ID != d.ID {
			t.Fatalf("Claim = %+v, %v; want %s", ds, err, d.ID)
		}
		ds[0].State, ds[0].Attempts = callback.Delivered, 1
		if err := q.Save(ctx, ds[0]); err != nil {
			t.Fatal(err)
		}
	}
	cycle("warm", 1, "") // loads the scripts, makes the first scan and the upgrade look
	if err := s.rdb.ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	cycle("c", 1, "")
	calls := srv.CommandCalls()
	total := 0
	for name, n := range calls {
		if name != "config|resetstat" && name != "hello" { // not the queue's
			total += n
		}
	}
	if calls["evalsha"] != 3 || total > 18 {
		t.Errorf("one callback: %d commands, %d script calls (%v); want 3 script calls, at most 18 commands",
			total, calls["evalsha"], calls)
	}
}

// TestQueueLeasedCallbackCost: a callback the Deliverer leases as it
// queues it (AddLeased) costs two script calls, add and save, and no
// claim: nothing is left due in its partition for one.
func TestQueueLeasedCallbackCost(t *testing.T) {
	s, srv, q := openQueueOn(t, "lcost:")
	ctx := context.Background()
	now := time.Now()
	cycle := func(cid string) {
		d := dueDelivery(cid, now)
		if leased, err := q.AddLeased(ctx, d, now, time.Minute); err != nil || !leased {
			t.Fatalf("AddLeased = %v, %v; want leased", leased, err)
		}
		if ds, err := q.Claim(ctx, now, 10, time.Minute); err != nil || len(ds) != 0 {
			t.Fatalf("Claim = %+v, %v; want nothing, the delivery is leased", ds, err)
		}
		d.State, d.Attempts = callback.Delivered, 1
		if err := q.Save(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	cycle("warm") // loads the scripts, makes the first scan and the upgrade look
	if err := s.rdb.ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	cycle("c")
	calls := srv.CommandCalls()
	total := 0
	for name, n := range calls {
		if name != "config|resetstat" && name != "hello" { // not the queue's
			total += n
		}
	}
	if calls["evalsha"] != 2 || total > 13 {
		t.Errorf("one leased callback: %d commands, %d script calls (%v); want 2 script calls, at most 13 commands",
			total, calls["evalsha"], calls)
	}
}

// TestPartitionsSpreadOverSlots: each partition's hash tag lies in its
// own range of slots, so a Cluster with even slot ranges per master
// holds even shares of the partitions; cids spread over all of them.
func TestPartitionsSpreadOverSlots(t *testing.T) {
	for p, tag := range partitionTags {
		if got := keySlot("{"+tag+"}:due") * Partitions / slotCount; got != p {
			t.Errorf("partition %d: tag %q is in the range of partition %d", p, tag, got)
		}
	}
	seen := map[int]int{}
	for range 1600 {
		seen[partitionOf(uuid.NewString())]++
	}
	for p := range Partitions {
		if seen[p] < 50 {
			t.Errorf("partition %d got %d of 1600 cids", p, seen[p])
		}
	}
}

// TestCallbackAtOnce: a callback queued on an idle instance is attempted
// at once, not at the next poll: the Deliverer here polls once an hour.
func TestCallbackAtOnce(t *testing.T) {
	s, q := openQueue(t, "once:")
	got := make(chan string, 1)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Callhub-Cid")
	}))
	t.Cleanup(recv.Close)
	d, err := callback.New(callback.Config{Queue: q, Health: s.Health(), Poll: time.Hour,
		Callers: []callback.Caller{{ID: "shop", CallbackBase: recv.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	hubtest.RunDeliverer(t, d) // its first claim finds nothing; the next poll is an hour away
	rec := hub.Record{CID: "c1", Caller: "shop", Callback: &hub.Callback{URL: "/cb", Method: "POST"}}
	if err := d.Enqueue(context.Background(), rec, hub.Reply{CID: "c1", Seq: 1, IsEnd: true, Offset: "1-0"}); err != nil {
		t.Fatal(err)
	}
	select {
	case cid := <-got:
		if cid != "c1" {
			t.Fatalf("callback for %s, want c1", cid)
		}
	case <-time.After(testwait.Deadline):
		t.Fatal("no callback: it waits for a poll")
	}
}

// TestClaimRacingAdd: a claim whose now was read before a delivery was
// queued (the deliverer's loop and an Enqueue running together) finds it
// not yet due; the claim that follows, at a later now, still takes it
// rather than leaving it to the next scan or poll.
func TestClaimRacingAdd(t *testing.T) {
	_, q := openQueue(t, "race:")
	ctx := context.Background()
	t1 := time.Now()
	d := callback.Delivery{ID: "r1.1", CID: "r1", Seq: 1, State: callback.Pending,
		NextAttemptAt: t1, CreatedAt: t1, Reply: hub.Reply{CID: "r1", Seq: 1, IsEnd: true, Offset: "1-0"}}
	if err := q.Add(ctx, d); err != nil {
		t.Fatal(err)
	}
	if ds, err := q.Claim(ctx, t1.Add(-time.Millisecond), 10, time.Minute); err != nil || len(ds) != 0 {
		t.Fatalf("claim before it is due: %v, %v", ds, err)
	}
	ds, err := q.Claim(ctx, t1, 10, time.Minute)
	if err != nil || len(ds) != 1 || ds[0].ID != "r1.1" {
		t.Fatalf("claim once due: %v, %v; want r1.1", ds, err)
	}
}

// TestQueueListLateCreation: a delivery created before the last one listed
// in its partition (another instance's clock, an upgrade) is listed after
// it, not refused.
func TestQueueListLateCreation(t *testing.T) {
	_, q := openQueue(t, "late:")
	ctx := context.Background()
	a, b := "late-a", ""
	for i := 0; b == ""; i++ {
		if c := "late-" + strconv.Itoa(i); partitionOf(c) == partitionOf(a) && c != a {
			b = c
		}
	}
	now := time.Now()
	for _, d := range []callback.Delivery{
		{ID: a + ".1", CID: a, Seq: 1, State: callback.Pending, NextAttemptAt: now, CreatedAt: now},
		{ID: b + ".1", CID: b, Seq: 1, State: callback.Pending, NextAttemptAt: now, CreatedAt: now.Add(-time.Hour)},
	} {
		if err := q.Add(ctx, d); err != nil {
			t.Fatalf("Add(%s): %v", d.ID, err)
		}
	}
	if ds := q.mustList(t); len(ds) != 2 || ds[0].CID != a || ds[1].CID != b {
		t.Errorf("List = %+v, want %s then %s", ds, a, b)
	}
}

// dueDelivery is cid's first delivery, of its last reply, pending and
// due at now.
func dueDelivery(cid string, now time.Time) callback.Delivery {
	return callback.Delivery{ID: callback.DeliveryID(cid, 1), CID: cid, Seq: 1, State: callback.Pending,
		NextAttemptAt: now, CreatedAt: now, Reply: hub.Reply{CID: cid, Seq: 1, Offset: "1-1", IsEnd: true}}
}

// addDue adds cid's first delivery, due at now, to q.
func addDue(t *testing.T, q *Queue, cid string, now time.Time) callback.Delivery {
	t.Helper()
	d := dueDelivery(cid, now)
	if err := q.Add(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	return d
}
