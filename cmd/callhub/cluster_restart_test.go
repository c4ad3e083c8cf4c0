package main

import (
	"bytes"
	"context"
	"crypto/sha1"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub/redisstore"
	"github.com/callhub/callhub/hub/redisstore/redistest"
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

// TestClusterReplyAnswerLost: a script of the reply's post runs in Redis
// but its answer is lost on the way back (a proxy on loopback drops what
// Redis sends on that connection from then on), so the service is
// answered 503 though the write happened:
//
//   - "reply stored": the answer to the reply's append is lost. The
//     service's retry is the duplicate, and queues the callback.
//   - "callback queued": the answer to the script that queues the
//     callback, due at once, and leases it to the instance is lost. The
//     lease is given back, and the callback is delivered without the
//     service's retry, long before the lease would have run out, and
//     the retry then queues nothing more.
//
// Either way the callback is delivered once, and stored delivered.
func TestClusterReplyAnswerLost(t *testing.T) {
	addSHA := func(t *testing.T) string {
		src, err := os.ReadFile(filepath.Join("..", "..", "hub", "redisstore", "lua", "queue_add.lua"))
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%x", sha1.Sum(src))
	}
	t.Run("reply stored", func(t *testing.T) {
		t.Parallel()
		replyAnswerLost(t, func(sent []byte, cid string) bool {
			return bytes.Contains(sent, []byte(cid)) && bytes.Contains(sent, []byte("lose-this-answer"))
		}, true)
	})
	t.Run("callback queued", func(t *testing.T) {
		t.Parallel()
		sha := addSHA(t)
		replyAnswerLost(t, func(sent []byte, cid string) bool {
			return bytes.Contains(sent, []byte(cid)) && bytes.Contains(sent, []byte(sha))
		}, false)
	})
}

// replyAnswerLost posts seq 1 of a cid through a hub whose Redis is
// behind a proxy that loses the answer to the first command lose picks.
// retryFirst: the callback waits for the service's retry.
func replyAnswerLost(t *testing.T, lose func(sent []byte, cid string) bool, retryFirst bool) {
	px := redistest.StartProxy(t, redistest.Start(t).Addr)
	c := newClusterOn(t, fmt.Sprintf(`url: "%s"`, px.URL()))
	// A lease of 2×15s + 5s, beyond testwait.Deadline: a callback
	// delivered within it was given back, not left until its lease ran out.
	c.delivery = "{maxAttempts: 10, timeout: 15s, schedule: [100ms]}"
	a := c.start()
	warmCID, _ := c.send(a, true)
	warm := warmCID + ".1"
	c.reply(a, warmCID, 1, true) // the warm-up: loads the scripts, and a callback is leased as it is queued
	cid, _ := c.send(a, true)
	id := cid + ".1"
	testwait.Until(t, "the warm-up's callback delivered", func() bool { _, ok := c.recv.counts(warm); return ok == 1 })
	px.LoseAnswer(func(sent []byte) bool { return lose(sent, cid) })
	body := map[string]any{"seq": 1, "isEnd": true, "data": map[string]string{"mark": "lose-this-answer"}}
	if status := doJSON(t, a.URL+"/v1/replies/"+cid, c.token(cid), body, &struct{}{}); status != http.StatusServiceUnavailable {
		t.Fatalf("reply whose answer was lost = %d, want 503", status)
	}
	if rec := record(t, a, cid); len(rec.Replies) != 1 {
		t.Fatalf("record holds %d replies, want the one whose answer was lost", len(rec.Replies))
	}
	if !retryFirst {
		testwait.Until(t, id+" delivered before the service retries", func() bool { _, ok := c.recv.counts(id); return ok == 1 })
	}
	if status := doJSON(t, a.URL+"/v1/replies/"+cid, c.token(cid), body, &struct{}{}); status != http.StatusOK && status != http.StatusAccepted {
		t.Fatalf("the service's retry = %d, want it answered", status)
	}
	rec := deliveredRecord(t, a, cid, 1)
	if hits, ok := c.recv.counts(id); hits != 1 || ok != 1 || rec.Deliveries[0].Attempts != 1 {
		t.Errorf("%s: %d attempts, %d answered 2xx, %d stored; want once", id, hits, ok, rec.Deliveries[0].Attempts)
	}
}
