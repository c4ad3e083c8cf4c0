// Package hubtest is the conformance suite every Store, Broker and Queue
// implementation passes, modelled on testing/fstest. Run it from the
// implementation's tests:
//
//	hubtest.Run(t, func(t *testing.T) hubtest.Backend { return newBackend(t) })
package hubtest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
)

// Backend is one implementation under test. New is called once per
// subtest and must return an empty backend.
type Backend struct {
	Store  hub.Store
	Broker hub.Broker
	Queue  callback.Queue  // optional: nil skips the queue tests
	Health callback.Health // optional: nil skips the health test
}

// Run runs every conformance test against the backends newBackend makes.
func Run(t *testing.T, newBackend func(t *testing.T) Backend) {
	tests := []struct {
		name string
		fn   func(*testing.T, Backend)
	}{
		{"CreateRequest", testCreateRequest},
		{"Steps", testSteps},
		{"OpenStep", testOpenStep},
		{"AppendReply", testAppendReply},
		{"AppendReplyConcurrent", testAppendReplyConcurrent},
		{"AutoSeqLimit", testAutoSeqLimit},
		{"DuplicateReply", testDuplicateReply},
		{"DuplicateOutOfOrder", testDuplicateOutOfOrder},
		{"Replies", testReplies},
		{"Get", testGet},
		{"LegacyRecord", testLegacyRecord},
		{"List", testList},
		{"ListMany", testListMany},
		{"TraceParentKept", testTraceParentKept},
		{"Ack", testAck},
		{"Broker", testBroker},
		{"BrokerOverflow", testBrokerOverflow},
		{"HubSubscriber", testHubSubscriber},
		{"Timers", testTimers},
		{"TimerSetAtLeaseEnd", testTimerSetAtLeaseEnd},
		{"EndState", testEndState},
		{"Stall", testStall},
		{"HubDeadlineRace", testHubDeadlineRace},
		{"HubEvents", testHubEvents},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newBackend(t)) })
	}
	RunQueue(t, newBackend)
	t.Run("Health", func(t *testing.T) {
		b := newBackend(t)
		if b.Health == nil {
			t.Skip("backend has no Health")
		}
		testHealth(t, b.Health)
		testHealthList(t, b.Health)
	})
}

// testHealth: a failure streak starts at the first failure, survives more
// failures and ends at a success.
func testHealth(t *testing.T, h callback.Health) {
	ctx := context.Background()
	ep := "http://" + newCID(t) + ".example"
	t0 := time.UnixMilli(time.Now().UnixMilli())
	if since, err := h.FailingSince(ctx, ep); err != nil || !since.IsZero() {
		t.Fatalf("new endpoint failing since %v, %v; want healthy", since, err)
	}
	h.Record(ctx, ep, false, t0)
	h.Record(ctx, ep, false, t0.Add(time.Hour))
	if since, _ := h.FailingSince(ctx, ep); !since.Equal(t0) {
		t.Errorf("failing since %v, want the first failure %v", since, t0)
	}
	h.Record(ctx, ep, true, t0.Add(2*time.Hour))
	if since, _ := h.FailingSince(ctx, ep); !since.IsZero() {
		t.Errorf("after a success failing since %v, want healthy", since)
	}
}

var cidCounter atomic.Int64

// newCID returns a cid no earlier test used.
func newCID(t *testing.T) string {
	return fmt.Sprintf("t-%d-%d", time.Now().UnixNano(), cidCounter.Add(1))
}

// create stores a fresh record for caller "shop" and service "svc".
func create(t *testing.T, s hub.Store) string {
	t.Helper()
	cid := newCID(t)
	_, created, err := s.CreateRequest(context.Background(), hub.Record{CID: cid, ServiceID: "svc",
		Caller: "shop", State: hub.StatePending, CreatedAt: time.Now(),
		Callback: &hub.Callback{URL: "/cb", Method: "POST"}})
	if err != nil || !created {
		t.Fatalf("CreateRequest(%s) = created %v, %v; want created", cid, created, err)
	}
	return cid
}

func appendReply(t *testing.T, s hub.Store, cid string, seq int, end bool) hub.Reply {
	t.Helper()
	a, err := s.AppendReply(context.Background(), hub.Reply{CID: cid, Seq: seq, IsEnd: end,
		Data: []byte(fmt.Sprintf(`{"n":%d}`, seq))})
	if err != nil || a.Dup {
		t.Fatalf("AppendReply(%s, seq %d) = dup %v, %v; want stored", cid, seq, a.Dup, err)
	}
	return a.Reply
}
