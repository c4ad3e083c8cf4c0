package redisstore

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
)

// TestWaitReplicas: with WaitReplicas 1, a reply is acknowledged while
// the replica follows; with the replica gone, the same write fails with
// hub.ErrUnavailable (ErrNotReplicated) once WaitTimeout passes; a retry
// after the replica is back is answered as the stored duplicate. Every
// write of a request (create, step, reply, delivery) waits.
func TestWaitReplicas(t *testing.T) {
	master := redistest.Start(t, "--repl-diskless-sync-delay", "0")
	host, port, _ := strings.Cut(master.Addr, ":")
	replica := redistest.Start(t, "--replicaof", host, port)
	testwait.Until(t, "the replica in sync", func() bool {
		info, _ := replica.Client().Info(t.Context(), "replication").Result()
		return strings.Contains(info, "master_link_status:up")
	})
	open := func(timeout time.Duration) *Store {
		s, err := Open(Config{URL: master.URL(0), KeyPrefix: "w:", WaitReplicas: 1, WaitTimeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	patient := open(10 * time.Second) // a loaded machine may take its time
	ctx := t.Context()
	createCID(t, patient, "c1")
	if _, _, err := patient.BeginStep(ctx, "c1", hub.Step{Seq: 1}); err != nil {
		t.Fatalf("BeginStep with the replica up: %v", err)
	}
	if _, err := patient.AppendReply(ctx, hub.Reply{CID: "c1", Seq: 1}); err != nil {
		t.Fatalf("AppendReply with the replica up: %v", err)
	}

	s := open(300 * time.Millisecond)
	replica.Stop()
	start := time.Now()
	_, err := s.AppendReply(ctx, hub.Reply{CID: "c1", Seq: 2})
	if !errors.Is(err, hub.ErrUnavailable) || !strings.Contains(err.Error(), ErrNotReplicated.Error()) {
		t.Fatalf("AppendReply without a replica = %v, want hub.ErrUnavailable: not replicated", err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("failed after %s, before WaitTimeout", d)
	}
	for name, write := range map[string]func() error{
		"CreateRequest": func() error { _, _, err := s.CreateRequest(ctx, hub.Record{CID: "c2", Caller: "shop"}); return err },
		"BeginStep":     func() error { _, _, err := s.BeginStep(ctx, "c1", hub.Step{Seq: 2}); return err },
		"FinishStep":    func() error { return s.FinishStep(ctx, "c1", hub.Step{Seq: 2}) },
		"Queue.Add":     func() error { return s.Queue().Add(ctx, testDelivery("c1", 2)) },
	} {
		if err := write(); !errors.Is(err, hub.ErrUnavailable) {
			t.Errorf("%s without a replica = %v, want hub.ErrUnavailable", name, err)
		}
	}

	replica.Start()
	var a hub.Appended
	testwait.Until(t, "the retry acknowledged with the replica back", func() bool {
		a, err = patient.AppendReply(ctx, hub.Reply{CID: "c1", Seq: 2})
		return err == nil
	})
	if !a.Dup {
		t.Errorf("retry of seq 2 = %+v, want the stored duplicate", a)
	}
}

func testDelivery(cid string, seq int) callback.Delivery {
	now := time.Now()
	return callback.Delivery{ID: cid + "." + strconv.Itoa(seq), CID: cid, Seq: seq, State: callback.Pending,
		NextAttemptAt: now, CreatedAt: now}
}

// TestWaitReplicasPublishesOnlyConfirmed: with WaitReplicas the store
// publishes no reply itself (the hub publishes once AppendReply returned,
// confirmed): a reply WAIT did not confirm reaches no subscriber, so a
// service's retry on a promoted replica cannot show it twice.
func TestWaitReplicasPublishesOnlyConfirmed(t *testing.T) {
	master := redistest.Start(t, "--repl-diskless-sync-delay", "0")
	host, port, _ := strings.Cut(master.Addr, ":")
	replica := redistest.Start(t, "--replicaof", host, port)
	testwait.Until(t, "the replica in sync", func() bool {
		info, _ := replica.Client().Info(t.Context(), "replication").Result()
		return strings.Contains(info, "master_link_status:up")
	})
	open := func(wait int, timeout time.Duration) *Store {
		s, err := Open(Config{URL: master.URL(0), KeyPrefix: "wp:", WaitReplicas: wait, WaitTimeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	patient, plain := open(1, 10*time.Second), open(0, 0)
	ctx := t.Context()
	createCID(t, plain, "c1")
	ch, err := plain.Broker().Subscribe(ctx, "cid:c1")
	if err != nil {
		t.Fatal(err)
	}
	a, err := patient.AppendReply(ctx, hub.Reply{CID: "c1", Seq: 1})
	if err != nil || a.Published {
		t.Fatalf("AppendReply with the replica up = %+v, %v; want stored and left to the hub to publish", a, err)
	}
	replica.Stop()
	if _, err := open(1, 200*time.Millisecond).AppendReply(ctx, hub.Reply{CID: "c1", Seq: 2}); !errors.Is(err, hub.ErrUnavailable) {
		t.Fatalf("AppendReply without a replica = %v, want hub.ErrUnavailable", err)
	}
	if _, err := plain.AppendReply(ctx, hub.Reply{CID: "c1", Seq: 3}); err != nil {
		t.Fatal(err)
	}
	if r := next(t, ch); r.Seq != 3 {
		t.Errorf("the subscriber first got seq %d, want 3: seqs 1 (the hub's to publish) and 2 (not replicated) are not published by the store", r.Seq)
	}
}
