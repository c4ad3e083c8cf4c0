package main

import (
	"bufio"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
)

// killDelivery is the delivery section of the first-attempt kill test:
// an attempt of 1s, which A must be killed within (it takes tens of
// milliseconds, under 200 at a load of 12 on two cores), and so a lease
// of 2×1s + 5s = 7s, most of the test's time.
const killDelivery = "{maxAttempts: 10, timeout: 1s, schedule: [100ms]}"

// TestClusterFirstAttemptSurvivesKill: the instance that queued callbacks
// due at once, leased to it by the script that queued them, dies
// (SIGKILL) during their first attempts. The other instance, which could
// not take them while the leases held, delivers every callback once they
// run out: the leased ones, the one A queued behind them and those B
// queued after the kill, each cid's in seq order. The attempts A made
// were never stored: the record counts B's alone.
func TestClusterFirstAttemptSurvivesKill(t *testing.T) {
	// Each waits for its leases most of its time: side by side.
	t.Run("redis", func(t *testing.T) {
		t.Parallel()
		firstAttemptKill(t, newCluster(t))
	})
	t.Run("cluster", func(t *testing.T) {
		t.Parallel()
		firstAttemptKill(t, newClusterOn(t, redisCluster(redistest.StartCluster(t, 3, 0), "")))
	})
}

func firstAttemptKill(t *testing.T, c *cluster) {
	c.delivery = killDelivery
	a, b := c.start(), c.start()
	c1, _ := c.send(a, true)
	c2, _ := c.send(a, true)
	held := []string{c1 + ".1", c2 + ".1"}
	for _, id := range held {
		c.recv.hold(id)
	}
	c.reply(a, c1, 1, false) // A leases and attempts it at once
	c.reply(a, c2, 1, false)
	c.reply(a, c1, 2, false) // queued behind c1.1
	testwait.Until(t, "A's first attempts to reach the receiver", func() bool {
		return c.recv.parkedNow(held[0]) == 1 && c.recv.parkedNow(held[1]) == 1
	})
	for _, id := range held {
		if hits, _ := c.recv.counts(id); hits != 1 {
			t.Fatalf("%s attempted %d times while A held its lease, want once, by A", id, hits)
		}
	}
	a.Kill()
	for _, id := range held {
		c.recv.release(id)
	}
	if n := attemptsOf(t, b, c1, c2); n != 0 {
		t.Fatalf("A stored %d attempts before it died: an attempt ended before the kill, not by it", n)
	}
	c.reply(b, c1, 3, false)
	c.reply(b, c1, 4, true)
	c.reply(b, c2, 2, true)
	want := [][]string{{c1 + ".1", c1 + ".2", c1 + ".3", c1 + ".4"}, {c2 + ".1", c2 + ".2"}}
	testwait.Until(t, "B to deliver every callback", func() bool { return deliveredAll(c.recv.delivered(), want) })
	checkOrder(t, c.recv.delivered(), want)
	for i, cid := range []string{c1, c2} {
		for _, d := range deliveredRecord(t, b, cid, len(want[i])).Deliveries {
			if d.Attempts != 1 {
				t.Errorf("%s.%d: %d attempts stored, want 1: B's (A's died with it)", cid, d.Seq, d.Attempts)
			}
		}
	}
	if n := metric(t, b, "callhub_deliveries_pending"); n != 0 {
		t.Errorf("callhub_deliveries_pending = %v after every delivery, want 0", n)
	}
}

// attemptsOf is how many attempts the records of cids, read through p,
// count in all.
func attemptsOf(t *testing.T, p *proc, cids ...string) int {
	t.Helper()
	n := 0
	for _, cid := range cids {
		for _, d := range record(t, p, cid).Deliveries {
			n += d.Attempts
		}
	}
	return n
}

// deliveredAll reports whether every id of want is in done.
func deliveredAll(done []string, want [][]string) bool {
	for _, ids := range want {
		for _, id := range ids {
			if !slices.Contains(done, id) {
				return false
			}
		}
	}
	return true
}

// checkOrder checks that every id of want was answered 2xx (done, in the
// receiver's order) and that each list's ids were first answered in
// their order.
func checkOrder(t *testing.T, done []string, want [][]string) {
	t.Helper()
	at := map[string]int{}
	for i, id := range done {
		if _, seen := at[id]; !seen {
			at[id] = i
		}
	}
	for _, ids := range want {
		for i, id := range ids {
			if _, ok := at[id]; !ok {
				t.Errorf("%s never delivered (delivered: %v)", id, done)
			} else if i > 0 && at[id] < at[ids[i-1]] {
				t.Errorf("%s delivered before %s (delivered: %v)", id, ids[i-1], done)
			}
		}
	}
}

// metric reads the value of an unlabelled series from p's /metrics.
func metric(t *testing.T, p *proc, name string) float64 {
	t.Helper()
	resp, err := http.Get(p.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return f
		}
	}
	t.Fatalf("no %s in %s/metrics", name, p.URL)
	return 0
}
