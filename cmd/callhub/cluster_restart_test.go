package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub/redisstore"
	"github.com/callhub/callhub/internal/testwait"
)

// TestClusterFirstAttemptSurvivesRedisRestart: Redis (AOF, fsync always)
// is killed while A's first attempt of a callback due at once, leased to
// A by the script that queued it, is held by the receiver, with the
// cid's next callback queued behind it. The lease survives the restart:
// nothing is due after it. A reply posted while Redis is
// down is refused (503), never acknowledged; the service's retry once
// Redis is back is stored. Every callback is delivered, each in seq
// order, and stored as delivered:
//
//   - "answered after": Redis is back when the receiver answers; A saves
//     its attempt and every callback is attempted once.
//   - "answered while down": the receiver answers while Redis is down,
//     so A cannot save the attempt; once the lease runs out (9 s, most
//     of the test's time) the callback is attempted again: delivered at
//     least once, nothing lost.
func TestClusterFirstAttemptSurvivesRedisRestart(t *testing.T) {
	t.Run("answered after", func(t *testing.T) {
		t.Parallel()
		firstAttemptRestart(t, false)
	})
	t.Run("answered while down", func(t *testing.T) {
		t.Parallel()
		firstAttemptRestart(t, true)
	})
}

func firstAttemptRestart(t *testing.T, answerWhileDown bool) {
	c := newCluster(t)
	// An attempt of 5 s, longer than Redis takes to restart while it is
	// held, or of 2 s (a lease of 9 s) when the test waits out its lease.
	c.delivery = "{maxAttempts: 10, timeout: 5s, schedule: [100ms]}"
	if answerWhileDown {
		c.delivery = deliveryCfg
	}
	a, b := c.start(), c.start()
	cid, _ := c.send(a, true)
	first := cid + ".1"
	c.recv.hold(first)
	c.reply(a, cid, 1, false) // A leases and attempts it at once
	c.reply(a, cid, 2, false) // queued behind it
	testwait.Until(t, "A's first attempt to reach the receiver", func() bool { return c.recv.parkedNow(first) == 1 })
	c.redis.Stop()
	if answerWhileDown {
		if n := c.recv.pass(first); n != 1 {
			t.Fatalf("the receiver answered %d held attempts of %s, want A's one", n, first)
		}
		testwait.Until(t, "A to fail to save the answered attempt", func() bool {
			return strings.Contains(a.Logs(), "save delivery") && strings.Contains(a.Logs(), first)
		})
	}
	body := map[string]any{"seq": 3, "isEnd": false, "data": map[string]int{"n": 3}}
	if status := doJSON(t, b.URL+"/v1/replies/"+cid, c.token(cid), body, &struct{}{}); status != http.StatusServiceUnavailable {
		t.Errorf("reply while Redis is down = %d, want 503", status)
	}
	c.redis.Start()
	if ids := c.claimable(); len(ids) != 0 {
		t.Fatalf("%v claimable after the restart, want none: %s leased to A, %s queued behind it", ids, first, cid+".2")
	}
	if !answerWhileDown {
		if n := c.recv.pass(first); n != 1 {
			t.Fatalf("the receiver answered %d held attempts of %s, want A's one (it gave up during the restart)", n, first)
		}
	}
	c.reply(b, cid, 3, false) // the service's retry
	c.reply(b, cid, 4, true)
	want := [][]string{{cid + ".1", cid + ".2", cid + ".3", cid + ".4"}}
	testwait.Until(t, "every callback delivered", func() bool { return deliveredAll(c.recv.delivered(), want) })
	checkOrder(t, c.recv.delivered(), want)
	rec := deliveredRecord(t, b, cid, len(want[0]))
	for _, d := range rec.Deliveries {
		id := want[0][d.Seq-1]
		hits, ok := c.recv.counts(id)
		switch {
		case answerWhileDown && d.Seq == 1:
			// A's attempt, answered but never saved, and the one after
			// its lease, whose save is the one stored.
			if hits != 2 || ok != 2 || d.Attempts != 1 {
				t.Errorf("%s: %d attempts, %d answered 2xx, %d stored; want 2, 2, 1", id, hits, ok, d.Attempts)
			}
		case hits != 1 || ok != 1 || d.Attempts != 1:
			t.Errorf("%s: %d attempts, %d answered 2xx, %d stored; want once", id, hits, ok, d.Attempts)
		}
	}
	if len(rec.Replies) != len(want[0]) {
		t.Errorf("record holds %d replies, want %d", len(rec.Replies), len(want[0]))
	}
}

// claimable claims, at the time it is, what is due in the cluster's
// queue, as an instance would, and returns the ids. It leases them to
// nobody (for an hour): only a test that fails calls it when something
// is due.
func (c *cluster) claimable() []string {
	c.t.Helper()
	s, err := redisstore.Open(redisstore.Config{URL: c.redis.URL(0), KeyPrefix: c.t.Name() + ":"})
	if err != nil {
		c.t.Fatal(err)
	}
	defer s.Close()
	ds, err := s.Queue().Claim(context.Background(), time.Now(), 100, time.Hour)
	if err != nil {
		c.t.Fatalf("claim: %v", err)
	}
	var ids []string
	for _, d := range ds {
		ids = append(ids, d.ID)
	}
	return ids
}
