package redisstore

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/redis/go-redis/v9"
)

// xaddCounter counts the XADDs a client sends, alone or in a pipeline.
type xaddCounter struct{ n atomic.Int64 }

func (h *xaddCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *xaddCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.count(cmd)
		return next(ctx, cmd)
	}
}

func (h *xaddCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			h.count(c)
		}
		return next(ctx, cmds)
	}
}

func (h *xaddCounter) count(cmd redis.Cmder) {
	if strings.EqualFold(cmd.Name(), "xadd") {
		h.n.Add(1)
	}
}

// TestOpenStepIndexesInScript: off a Cluster (one Redis; Sentinel with
// WaitReplicas), a new request costs one script call and no XADD of its
// own: the script adds the request index's entry, once, and List shows
// the requests newest first, one created earlier than its partition's
// last entry just after that entry.
func TestOpenStepIndexesInScript(t *testing.T) {
	t.Run("one", func(t *testing.T) {
		srv := redistest.Start(t)
		s, err := Open(Config{URL: srv.URL(0), KeyPrefix: "t:"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		testOpenIndexed(t, s, srv)
	})
	t.Run("sentinel-wait", func(t *testing.T) {
		st := redistest.StartSentinel(t, 1, 1)
		testOpenIndexed(t, openSentinel(t, st, 1), st.Master)
	})
}

// TestClusterOpenStepIndexes: on a Cluster, where the index and the
// record are in different slots, a new request's index entry is an XADD
// of its own, and List shows the requests as off a Cluster.
func TestClusterOpenStepIndexes(t *testing.T) {
	c := redistest.StartCluster(t, 3, 0)
	testOpenIndexed(t, openCluster(t, c, 0), nil)
}

// testOpenIndexed opens requests through s, on srv; a nil srv is a
// Cluster.
func testOpenIndexed(t *testing.T, s *Store, srv *redistest.Server) {
	ctx := context.Background()
	var sent xaddCounter
	s.rdb.AddHook(&sent)
	now := time.Now()
	open := func(cid string, at time.Time) {
		t.Helper()
		rec := hub.Record{CID: cid, ServiceID: "svc", Caller: "shop", State: hub.StatePending, Mode: hub.ModeAsync, CreatedAt: at}
		if _, _, _, _, err := s.OpenStep(ctx, rec, hub.Step{Seq: 1}); err != nil {
			t.Fatalf("OpenStep %s: %v", cid, err)
		}
	}
	base := fmt.Sprintf("oi%d-", now.UnixNano())
	older := base + "a"
	open(older, now.Add(-time.Second)) // loads the script, and trims: the instance's first insert
	newer := base + "b"
	if srv == nil {
		open(newer, now)
		if n := sent.n.Load(); n != 2 {
			t.Errorf("the client sent %d XADDs for 2 new requests; want 2 (a Cluster's index is in another slot)", n)
		}
	} else {
		before := srv.CommandCalls()
		open(newer, now)
		after := srv.CommandCalls()
		if n := sent.n.Load(); n != 0 {
			t.Errorf("the client sent %d XADDs of its own; want none (the script adds the index entry)", n)
		}
		if d := after["xadd"] - before["xadd"]; d != 1 {
			t.Errorf("server ran %d XADDs for a new request; want 1, in the script", d)
		}
		if d := after["evalsha"] - before["evalsha"]; d != 1 {
			t.Errorf("server ran %d EVALSHAs for a new request; want 1", d)
		}
		open(newer, now) // exists: not indexed again
		if d := srv.CommandCalls()["xadd"] - after["xadd"]; d != 0 {
			t.Errorf("server ran %d XADDs opening an existing request; want 0", d)
		}
	}
	// A request of newer's partition created earlier than newer's entry:
	// its entry goes just after it, so it lists first.
	late := ""
	for i := 0; late == "" && i < 10000; i++ {
		if c := fmt.Sprintf("%sc%d", base, i); partitionOf(c) == partitionOf(newer) {
			late = c
		}
	}
	open(late, now.Add(-2*time.Second))
	recs, _, err := s.List(ctx, hub.RecordFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		if strings.HasPrefix(r.CID, base) {
			got = append(got, r.CID)
		}
	}
	if want := []string{late, newer, older}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("List = %v, want %v (newest first, by index entry)", got, want)
	}
}
