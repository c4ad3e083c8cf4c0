package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/callhub/callhub/hub/redisstore"
	"github.com/callhub/callhub/internal/testwait"
)

// TestClusterReplyReachesOtherInstance: a reply posted to A reaches a
// WebSocket subscriber on B.
func TestClusterReplyReachesOtherInstance(t *testing.T) {
	c := newCluster(t)
	a, b := c.start(), c.start()
	cid, tok := c.send(a, false)
	conn := dialWS(t, b, "cid="+cid+"&token="+tok)
	c.reply(a, cid, 1, false)
	if f := nextReply(t, conn); f.Seq != 1 || f.CID != cid {
		t.Fatalf("B got %+v, want seq 1 of %s", f, cid)
	}
	c.reply(b, cid, 2, true)
	if f := nextReply(t, conn); f.Seq != 2 {
		t.Fatalf("B got %+v, want seq 2", f)
	}
}

// TestClusterCallbackDeliveredOnce: three instances all run delivery
// workers; every callback is attempted exactly once.
func TestClusterCallbackDeliveredOnce(t *testing.T) {
	c := newCluster(t)
	procs := []*proc{c.start(), c.start(), c.start()}
	const n = 20
	cid, _ := c.send(procs[0], true)
	for seq := 1; seq <= n; seq++ {
		c.reply(procs[seq%3], cid, seq, seq == n)
	}
	for _, d := range deliveredRecord(t, procs[1], cid, n).Deliveries {
		if hits, _ := c.recv.counts(fmt.Sprintf("%s.%d", cid, d.Seq)); d.Attempts != 1 || hits != 1 {
			t.Errorf("seq %d: attempts %d hits %d, want delivered once", d.Seq, d.Attempts, hits)
		}
	}
}

// TestClusterRetrySurvivesKill: the instance that scheduled a retry dies
// (SIGKILL) in the middle of it; another instance delivers it, once, and
// counts every attempt the dead one stored.
func TestClusterRetrySurvivesKill(t *testing.T) {
	c := newCluster(t)
	a := c.start()
	cid, _ := c.send(a, true)
	id := cid + ".1"
	c.recv.failFirst(id, 1000) // fails every attempt A makes
	c.reply(a, cid, 1, true)
	// The receiver answers before A stores the attempt: wait for the store.
	testwait.Until(t, "A to store a failed attempt", func() bool {
		rec := record(t, a, cid)
		return len(rec.Deliveries) == 1 && rec.Deliveries[0].Attempts >= 1
	})
	// A dies with its retry parked at the receiver, so no attempt of A's
	// can answer after the receiver heals.
	c.recv.hold(id)
	testwait.Until(t, "A's retry to reach the receiver", func() bool { return c.recv.parkedNow(id) == 1 })
	a.Kill()
	stored := c.storedAttempts(id)
	c.recv.release(id)
	c.recv.failFirst(id, 0)
	b := c.start()
	testwait.Until(t, "B to store the delivery", func() bool {
		rec := record(t, b, cid)
		return len(rec.Deliveries) == 1 && rec.Deliveries[0].State == "delivered"
	})
	rec := record(t, b, cid)
	if _, ok := c.recv.counts(id); ok != 1 || rec.Deliveries[0].Attempts != stored+1 {
		t.Errorf("receiver got %d successes, record %+v; want one, after the %d attempts A stored", ok, rec.Deliveries, stored)
	}
}

// storedAttempts reads the attempts of delivery id from Redis.
func (c *cluster) storedAttempts(id string) int {
	c.t.Helper()
	s, err := redisstore.Open(redisstore.Config{URL: c.redis.URL(0), KeyPrefix: c.t.Name() + ":"})
	if err != nil {
		c.t.Fatal(err)
	}
	defer s.Close()
	d, err := s.Queue().Get(context.Background(), id)
	if err != nil {
		c.t.Fatalf("read delivery %s: %v", id, err)
	}
	return d.Attempts
}

// TestClusterResumeOnOtherInstance: a subscriber of B resumes on A with
// since after B dies, and gets exactly the replies it missed.
func TestClusterResumeOnOtherInstance(t *testing.T) {
	c := newCluster(t)
	a, b := c.start(), c.start()
	cid, tok := c.send(a, false)
	conn := dialWS(t, b, "cid="+cid+"&token="+tok)
	c.reply(a, cid, 1, false)
	first := nextReply(t, conn)
	b.Kill()
	c.reply(a, cid, 2, false)
	c.reply(a, cid, 3, true)
	conn = dialWS(t, a, "cid="+cid+"&token="+tok+"&since="+first.Offset)
	for _, want := range []int{2, 3} {
		if f := nextReply(t, conn); f.Seq != want {
			t.Fatalf("resumed on A: got seq %d, want %d", f.Seq, want)
		}
	}
}

// TestClusterRedisRestart: Redis restarts mid-stream; every reply the hub
// acknowledged is kept, and a connected subscriber gets them all.
func TestClusterRedisRestart(t *testing.T) {
	c := newCluster(t)
	a, b := c.start(), c.start()
	cid, tok := c.send(a, false)
	conn := dialSubscribed(t, b, "cid="+cid+"&token="+tok) // before Redis stops
	const n = 10
	for seq := 1; seq <= n; seq++ {
		if seq == n/2 {
			c.redis.Stop()
			status := doJSON(t, a.URL+"/v1/replies/"+cid, c.token(cid), map[string]any{"seq": seq}, &struct{}{})
			if status != http.StatusServiceUnavailable {
				t.Errorf("reply while Redis is down = %d, want 503", status)
			}
			if resp, err := http.Get(b.URL + "/readyz"); err != nil || resp.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("readyz while Redis is down = %v %v, want 503", resp, err)
			} else {
				resp.Body.Close()
			}
			c.redis.Start()
		}
		c.reply(a, cid, seq, seq == n)
	}
	for want := 1; want <= n; want++ {
		if f := nextReply(t, conn); f.Seq != want {
			t.Fatalf("subscriber on B got seq %d, want %d", f.Seq, want)
		}
	}
	if rec := record(t, b, cid); len(rec.Replies) != n {
		t.Errorf("record holds %d replies, want %d", len(rec.Replies), n)
	}
}

type recordView struct {
	State   string `json:"state"`
	Replies []struct {
		Seq int `json:"seq"`
	} `json:"replies"`
	Deliveries []struct {
		Seq      int    `json:"seq"`
		State    string `json:"state"`
		Attempts int    `json:"attempts"`
	} `json:"deliveries"`
}

// record reads cid's record through p with the caller's key. A 503 (the
// store unavailable: retry) is asked again, as a client
// would, for up to 30 seconds: right after a failover an instance may
// still be told the old master by a sentinel that has not heard of the
// new one yet.
func record(t *testing.T, p *proc, cid string) recordView {
	t.Helper()
	var rec recordView
	testwait.Within(t, 30*time.Second, "the record of "+cid+" answered without 503", func() bool {
		req, _ := http.NewRequest(http.MethodGet, p.URL+"/v1/requests/"+cid, nil)
		req.Header.Set("Authorization", "Bearer shop-key")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable {
			return false
		}
		rec = recordView{}
		if err := json.NewDecoder(resp.Body).Decode(&rec); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET record = %d, %v", resp.StatusCode, err)
		}
		return true
	})
	return rec
}

// deliveredRecord waits until cid's record lists n deliveries, all
// delivered (an instance stores that after the receiver answered), and
// returns it.
func deliveredRecord(t *testing.T, p *proc, cid string, n int) recordView {
	t.Helper()
	var rec recordView
	testwait.Within(t, 30*time.Second, fmt.Sprintf("%d deliveries of %s stored as delivered", n, cid), func() bool {
		rec = record(t, p, cid)
		if len(rec.Deliveries) != n {
			return false
		}
		for _, d := range rec.Deliveries {
			if d.State != "delivered" {
				return false
			}
		}
		return true
	})
	return rec
}

// TestClusterCallbacksSurviveRedisRestart: callbacks of several cids
// retrying at an endpoint that fails them, two hubs, and Redis (AOF)
// restarted while they wait for their retries: every callback arrives,
// each cid's in seq order.
func TestClusterCallbacksSurviveRedisRestart(t *testing.T) {
	c := newCluster(t)
	a, b := c.start(), c.start()
	const cids, seqs = 3, 3
	var all []string
	for range cids {
		cid, _ := c.send(a, true)
		for seq := 1; seq <= seqs; seq++ {
			id := fmt.Sprintf("%s.%d", cid, seq)
			c.recv.failFirst(id, 2)
			all = append(all, id)
		}
		for seq := 1; seq <= seqs; seq++ {
			c.reply(b, cid, seq, seq == seqs)
		}
	}
	testwait.Until(t, "every cid's first callback to fail once", func() bool {
		for i := 0; i < len(all); i += seqs {
			if hits, _ := c.recv.counts(all[i]); hits == 0 {
				return false
			}
		}
		return true
	})
	c.redis.Stop()
	c.redis.Start()
	testwait.Until(t, "every callback delivered", func() bool { return len(c.recv.delivered()) >= len(all) })
	done := c.recv.delivered()
	at := map[string]int{}
	for i, id := range done {
		if _, seen := at[id]; !seen {
			at[id] = i
		}
	}
	for i, id := range all {
		if _, ok := at[id]; !ok {
			t.Errorf("%s never delivered (delivered: %v)", id, done)
		}
		if i%seqs > 0 && at[id] < at[all[i-1]] {
			t.Errorf("%s delivered before %s (delivered: %v)", id, all[i-1], done)
		}
	}
}
