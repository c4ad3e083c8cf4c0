package redisstore

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/hubtest"
	"github.com/callhub/callhub/internal/testwait"
	"github.com/redis/go-redis/v9"
)

// oldDelivery is a delivery as the previous release stored it.
func oldDelivery(t *testing.T, d callback.Delivery) string {
	t.Helper()
	b, err := json.Marshal(struct {
		callback.Delivery
		Reply hub.Reply `json:"reply"`
	}{d, d.Reply})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestQueueUpgrade fills Redis with deliveries in the previous release's
// layout — due, queued behind another of its cid, leased by an instance
// that died (in the ready stream's pending list), waiting for a retry,
// delivered, dead — and the previous request index. A Deliverer of this
// release delivers every pending one exactly once, in per-cid order,
// sends none of the finished ones, lists them all, and leaves no old
// key behind.
func TestQueueUpgrade(t *testing.T) {
	s, q := openQueue(t, "up:")
	ctx := context.Background()
	var mu sync.Mutex
	var got []string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Callhub-Cid")+"."+r.Header.Get("Callhub-Seq"))
		mu.Unlock()
	}))
	t.Cleanup(recv.Close)
	now := time.Now()
	mk := func(cid string, seq int, state string, due time.Time) callback.Delivery {
		return callback.Delivery{ID: callback.DeliveryID(cid, seq), CID: cid, Seq: seq, Caller: "shop",
			URL: recv.URL + "/cb", Method: "POST", State: state, NextAttemptAt: due, CreatedAt: now,
			Reply: hub.Reply{CID: cid, Seq: seq, Offset: "1-" + string(rune('0'+seq)), Data: json.RawMessage(`{"a":1}`)}}
	}
	old := []struct {
		d       callback.Delivery
		indexes []string
	}{
		{mk("u1", 1, callback.Pending, now), []string{"all", "pending", "delayed"}},
		{mk("u1", 2, callback.Pending, now), []string{"all", "pending"}}, // behind u1.1
		{mk("u2", 1, callback.Delivered, now), []string{"all"}},
		{mk("u3", 1, callback.Dead, now), []string{"all", "dead"}},
		{mk("u4", 1, callback.Pending, now), []string{"all", "pending"}}, // in the ready stream, leased by a dead instance
		{mk("u5", 1, callback.Pending, now.Add(300*time.Millisecond)), []string{"all", "pending", "delayed"}},
	}
	pipe := s.rdb.Pipeline()
	for _, o := range old {
		d := o.d
		pipe.HSet(ctx, s.key("dlv", d.CID), d.Seq, oldDelivery(t, d))
		pipe.HSet(ctx, s.key("dst", d.CID), d.Seq, d.State)
		for _, name := range o.indexes {
			pipe.ZAdd(ctx, q.oldKey(name), redis.Z{Score: float64(d.NextAttemptAt.UnixMilli()), Member: d.ID})
		}
	}
	pipe.HSet(ctx, s.key("dls", "u4"), 1, now.Add(time.Hour).UnixMilli())
	pipe.XGroupCreateMkStream(ctx, q.oldKey("ready"), "workers", "0")
	pipe.XAdd(ctx, &redis.XAddArgs{Stream: q.oldKey("ready"), Values: []any{"id", "u4.1"}})
	pipe.ZAdd(ctx, s.prefix+"reqs", redis.Z{Score: float64(now.UnixMilli()), Member: "u1"})
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "workers", Consumer: "dead",
		Streams: []string{q.oldKey("ready"), ">"}, Count: 10, Block: -1}).Err(); err != nil {
		t.Fatal(err)
	}

	d, err := callback.New(callback.Config{Queue: q, Health: s.Health(), Poll: 10 * time.Millisecond,
		Callers: []callback.Caller{{ID: "shop", CallbackBase: recv.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	hubtest.RunDeliverer(t, d)
	testwait.Until(t, "every moved delivery to be done", func() bool {
		st, err := q.Stats(ctx)
		return err == nil && st.Pending == 0 && len(q.mustList(t)) == len(old)
	})
	mu.Lock()
	defer mu.Unlock()
	count := map[string]int{}
	for _, id := range got {
		count[id]++
	}
	want := map[string]int{"u1.1": 1, "u1.2": 1, "u4.1": 1, "u5.1": 1}
	if len(count) != len(want) {
		t.Errorf("callbacks %v, want each of %v once", got, want)
	}
	for id, n := range want {
		if count[id] != n {
			t.Errorf("callbacks %v: %s %d times, want once", got, id, count[id])
		}
	}
	if i1, i2 := indexOf(got, "u1.1"), indexOf(got, "u1.2"); i1 > i2 {
		t.Errorf("callbacks %v: u1.2 before u1.1", got)
	}
	for _, x := range q.mustList(t) {
		if x.ID == "u3.1" && x.State != callback.Dead || x.ID == "u2.1" && x.State != callback.Delivered {
			t.Errorf("moved %s is %s", x.ID, x.State)
		}
	}
	keys := []string{q.oldKey("ready"), s.key("dlv", "u1"), s.key("dst", "u1"), s.key("dls", "u4"), s.prefix + "reqs"}
	for _, name := range oldIndexes {
		keys = append(keys, q.oldKey(name))
	}
	for _, k := range keys {
		if n := s.rdb.Exists(ctx, k).Val(); n != 0 {
			t.Errorf("old key %s left", k)
		}
	}
	if recs, _, err := s.List(ctx, hub.RecordFilter{}); err != nil || len(recs) != 0 {
		t.Errorf("List after the index moved = %v, %v", recs, err) // u1 has no record: listed once it has one
	}
	if n := s.rdb.XLen(ctx, s.pkey(partitionOf("u1"), "reqs")).Val(); n != 1 {
		t.Errorf("u1 in its partition's request index %d times, want once", n)
	}
}

func (q *Queue) mustList(t *testing.T) []callback.Delivery {
	t.Helper()
	ds, _, err := q.List(context.Background(), callback.Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func indexOf(xs []string, x string) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}
