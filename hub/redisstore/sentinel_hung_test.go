package redisstore

import (
	"fmt"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
)

// openSentinel opens a Store on st's master with a key prefix of its own.
func openSentinel(t *testing.T, st *redistest.Sentinel, wait int) *Store {
	t.Helper()
	s, err := Open(Config{Addrs: st.Addrs(), MasterName: st.Name, KeyPrefix: "t:", WaitReplicas: wait})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestSentinelHungMaster: the Sentinel master is stopped (SIGSTOP) and a
// replica promoted. The subscriber's classic pub/sub connection to the
// hung master fails no read, yet within 5 seconds of the first reply
// stored on the new master the subscriber is told to re-read or gets it.
func TestSentinelHungMaster(t *testing.T) {
	st := redistest.StartSentinel(t, 1, 3)
	w, a, b := openSentinel(t, st, 1), openSentinel(t, st, 0), openSentinel(t, st, 0)
	cid, ch := heardFirst(t, w, b)
	st.Master.Pause()
	paused := time.Now()
	t.Cleanup(st.Master.Resume) // runs before the master's own cleanup stops it
	testwait.Within(t, 60*time.Second, "the sentinels to promote the replica", func() bool {
		return st.MasterAddr() != st.Master.Addr
	})
	t.Logf("failover %s after SIGSTOP", time.Since(paused))
	awaitNews(t, ch, 2, storeOnNewMaster(t, a, cid, 2, paused))
}

// storeOnNewMaster stores reply seq of cid through s, retrying until the
// failover that began at paused lets it, and answers when it was stored.
func storeOnNewMaster(t *testing.T, s *Store, cid string, seq int, paused time.Time) time.Time {
	t.Helper()
	var stored time.Time
	testwait.Until(t, fmt.Sprintf("reply %d stored on the new master", seq), func() bool {
		_, err := s.AppendReply(t.Context(), hub.Reply{CID: cid, Seq: seq})
		stored = time.Now()
		return err == nil
	})
	t.Logf("reply %d stored %s after the failover began", seq, time.Since(paused))
	return stored
}

// awaitNews waits up to 5 seconds from stored for reply seq or the
// re-read signal on ch.
func awaitNews(t *testing.T, ch <-chan []byte, seq int, stored time.Time) {
	t.Helper()
	deadline := time.After(5*time.Second - time.Since(stored))
	for {
		select {
		case msg := <-ch:
			if len(msg) == 0 {
				t.Logf("subscriber told to re-read %s after reply %d was stored on the new master", time.Since(stored), seq)
				return
			}
			if r, err := hub.ParseMessage(msg); err == nil && r.Seq == seq {
				t.Logf("subscriber got reply %d %s after it was stored on the new master", seq, time.Since(stored))
				return
			}
		case <-deadline:
			t.Fatalf("the subscriber heard nothing within 5s of reply %d stored on the new master", seq)
		}
	}
}

// appendPublished stores r through s and, when s leaves publishing to its
// hub (WaitReplicas), publishes it as the hub does.
func appendPublished(t *testing.T, s *Store, r hub.Reply) {
	t.Helper()
	a, err := s.AppendReply(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	if a.Published {
		return
	}
	x := a.Reply
	msg := string(x.Message())
	if err := s.Broker().Publish(t.Context(), "cid:"+x.CID, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

// heardFirst creates a new cid through w, subscribes to it on b and
// stores its reply 1 through w, which b's subscriber must get.
func heardFirst(t *testing.T, w, b *Store) (string, <-chan []byte) {
	t.Helper()
	cid := fmt.Sprintf("hung-%d", time.Now().UnixNano())
	return cid, heardFirstOf(t, w, b, cid)
}

// heardFirstOf is heardFirst for a cid of the caller's choosing.
func heardFirstOf(t *testing.T, w, b *Store, cid string) <-chan []byte {
	t.Helper()
	createCID(t, w, cid)
	ch, err := b.Broker().Subscribe(t.Context(), "cid:"+cid)
	if err != nil {
		t.Fatal(err)
	}
	resynced(t, ch) // subscribed: what is published from now on arrives
	appendPublished(t, w, hub.Reply{CID: cid, Seq: 1})
	if r := next(t, ch); r.Seq != 1 {
		t.Fatalf("before the fault got seq %d, want 1", r.Seq)
	}
	return ch
}
