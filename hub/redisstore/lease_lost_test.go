package redisstore

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/hubtest"
	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
	"github.com/redis/go-redis/v9"
)

// TestAddLeasedAnswerLost: the script that queues a callback due at once
// and leases it to the instance queueing it runs, but its answer is lost
// (a proxy on loopback drops what Redis sends on that connection from
// then on). Enqueue fails, as the reply's post then does, and gives back
// the lease the script took: the callback is attempted at once, on a
// clock that never moves, so never reaches the lease's end that would
// otherwise let a claim take it; and once.
func TestAddLeasedAnswerLost(t *testing.T) {
	testAnswerGone(t, (*redistest.Proxy).LoseAnswer, true, false)
}

// TestAddLeasedAnswerDropped: the same script's connection drops after
// it ran (EOF instead of its answer), and go-redis sends it again on
// another connection, which finds the delivery stored and leased: its
// own lease, by its end, so it answers leased and the callback is
// attempted at once, and once. It answered "existed", and no one
// attempted the callback before its lease ran out.
func TestAddLeasedAnswerDropped(t *testing.T) {
	testAnswerGone(t, (*redistest.Proxy).DropAnswer, false, false)
}

// TestClaimAnswerDroppedAttempts: the Deliverer queues the callback
// without a lease (its queue cannot lease as it adds) and claims it; the
// claim script's connection drops after it ran, and go-redis sends it
// again. The callback is attempted at once, on a clock that never
// reaches the lease's end, and once.
func TestClaimAnswerDroppedAttempts(t *testing.T) {
	testAnswerGone(t, (*redistest.Proxy).DropAnswer, false, true)
}

// testAnswerGone loses (gone) the answer of the script that queues the
// callback of cid c-lost, or with claimed of the script that claims it,
// and checks it is attempted once, on a clock that never moves; fails
// says Enqueue fails.
func testAnswerGone(t *testing.T, gone func(*redistest.Proxy, func([]byte) bool), fails, claimed bool) {
	px := proxied(t)
	s := openThrough(t, px, "lost:", 500*time.Millisecond)
	q := s.Queue()
	var (
		mu  sync.Mutex
		got []string
	)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Callhub-Cid")+"."+r.Header.Get("Callhub-Seq"))
		mu.Unlock()
	}))
	t.Cleanup(recv.Close)
	attempts := func(id string) (n int) {
		mu.Lock()
		defer mu.Unlock()
		for _, g := range got {
			if g == id {
				n++
			}
		}
		return n
	}
	now := time.Now() // the deliverer's clock: it never moves
	var dq callback.Queue = q
	if claimed {
		dq = struct{ callback.Queue }{q} // not an AddLeaser: every callback is claimed
	}
	d, err := callback.New(callback.Config{Queue: dq, Health: s.Health(), Poll: time.Hour,
		Now: func() time.Time { return now }, Callers: []callback.Caller{{ID: "shop", CallbackBase: recv.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	hubtest.RunDeliverer(t, d)
	ctx := context.Background()
	cb := hub.Callback{URL: "/cb", Method: http.MethodPost}
	enqueue := func(cid string) error {
		rec := hub.Record{CID: cid, Caller: "shop", Callback: &cb}
		return d.Enqueue(ctx, rec, hub.Reply{CID: cid, Seq: 1, IsEnd: true, Offset: "1-0"})
	}
	delivered := func(id string) func() bool {
		return func() bool {
			dl, err := q.Get(ctx, id)
			return err == nil && dl.State == callback.Delivered
		}
	}
	// The warm-up loads the script and has Run take work: the next
	// callback is leased as it is queued.
	if err := enqueue("warm"); err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, "warm.1 delivered", delivered("warm.1"))
	if claimed {
		sha := []byte(claimScript.Hash()) // its keys and args name no cid: c-lost's partition's due set
		due := []byte(s.pkey(partitionOf("c-lost"), "due"))
		gone(px, func(sent []byte) bool { return bytes.Contains(sent, sha) && bytes.Contains(sent, due) })
	} else {
		sha := []byte(addScript.Hash())
		gone(px, func(sent []byte) bool { return bytes.Contains(sent, sha) && bytes.Contains(sent, []byte("c-lost")) })
	}
	if err := enqueue("c-lost"); fails && !errors.Is(err, hub.ErrUnavailable) {
		t.Fatalf("Enqueue with its answer lost = %v, want unavailable", err)
	} else if !fails && err != nil {
		t.Fatalf("Enqueue sent again after its connection dropped = %v, want nil", err)
	}
	testwait.Until(t, "c-lost.1 delivered though the clock never reaches its lease's end", delivered("c-lost.1"))
	if px.AnswerArmed() {
		t.Fatal("no script call of c-lost went through the proxy")
	}
	if n := attempts("c-lost.1"); n != 1 {
		t.Errorf("c-lost.1 attempted %d times, want once", n)
	}
	if dl, _ := q.Get(ctx, "c-lost.1"); dl.Attempts != 1 {
		t.Errorf("c-lost.1 stored with %d attempts, want 1", dl.Attempts)
	}
}

// TestClaimAnswerDropped: the connection of the claim script drops after
// the script ran (EOF instead of its answer), and go-redis sends it
// again on another connection. The second run finds the delivery the
// first one leased, by the claim's token, and answers it: the same Claim
// call returns it, and a Claim of its own after it does not, nor another
// instance's, both at the same instant for the same lease. The second
// run found it leased, no longer due, and answered nothing; the delivery
// waited out its lease.
func TestClaimAnswerDropped(t *testing.T) {
	px := proxied(t)
	s := openThrough(t, px, "lostclaim:", 500*time.Millisecond)
	testClaimAnswerDropped(t, s, onlyProxy(px))
}

// TestClusterClaimAnswerDropped: TestClaimAnswerDropped on a 3-master
// Cluster, where the claim is a pipeline per master and go-redis sends
// again the one whose connection dropped.
func TestClusterClaimAnswerDropped(t *testing.T) {
	c, pxOf := clusterProxied(t)
	s := openCluster(t, c, 0)
	testClaimAnswerDropped(t, s, pxOf)
}

// testClaimAnswerDropped drops the answer of the claim of two due
// deliveries on the connection to the node pxOf names for the first
// one's due set.
func testClaimAnswerDropped(t *testing.T, s *Store, pxOf func(key string) *redistest.Proxy) {
	q := s.Queue()
	ctx := context.Background()
	now := time.Now()
	add := func(cid string) callback.Delivery { return addDue(t, q, cid, now) }
	claim := func() []string {
		t.Helper()
		ds, err := q.Claim(ctx, now, 10, time.Minute)
		if err != nil {
			t.Fatalf("Claim = %v", err)
		}
		return deliveryIDs(ds)
	}
	add("warm")
	if got := claim(); len(got) != 1 { // loads the script
		t.Fatalf("warm-up Claim = %v, want warm.1", got)
	}
	a, b := add("c-lost"), add("d-lost") // partitions 14 and 12: a pipeline of two calls
	sha := []byte(claimScript.Hash())
	px := pxOf(s.pkey(partitionOf(a.CID), "due"))
	px.DropAnswer(func(sent []byte) bool { return bytes.Contains(sent, sha) })
	got := claim()
	if px.AnswerArmed() {
		t.Fatal("no claim script went through the proxy")
	}
	if len(got) != 2 || !slices.Contains(got, a.ID) || !slices.Contains(got, b.ID) {
		t.Errorf("Claim sent again after its connection dropped = %v, want %s and %s", got, a.ID, b.ID)
	}
	// Later claims at the same instant, for the same lease, run the
	// script in both partitions (a delivery due in each) and get only
	// those: this instance's, and another's.
	for _, other := range []*Queue{q, s.Queue()} {
		want := []string{add(cidIn(partitionOf(a.CID), "e")).ID, add(cidIn(partitionOf(b.CID), "f")).ID}
		ds, err := other.Claim(ctx, now, 10, time.Minute)
		got := deliveryIDs(ds)
		slices.Sort(got)
		slices.Sort(want)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("a later Claim (another instance's: %t) = %v, %v; want %v: the first one leased the others",
				other != q, got, err, want)
		}
	}
}

// deliveryIDs are the ids of ds, in order.
func deliveryIDs(ds []callback.Delivery) []string {
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	return ids
}

// cidIn is a new cid in partition p, made of prefix and a count.
func cidIn(p int, prefix string) string {
	for i := 0; ; i++ {
		if cid := prefix + strconv.Itoa(i) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36); partitionOf(cid) == p {
			return cid
		}
	}
}

// TestClaimTimersAnswerDropped: the timer claim's connection drops after
// its script ran, and go-redis sends it again: the same ClaimTimers
// answers the timers the first run leased (they fire at once, where they
// waited out the lease), and later claims, this instance's and another's
// at the same instant for the same lease, get only timers due since.
func TestClaimTimersAnswerDropped(t *testing.T) {
	px := proxied(t)
	open := func() *Store { return openThrough(t, px, "losttimer:", 500*time.Millisecond) }
	testClaimTimersAnswerDropped(t, open(), open(), onlyProxy(px))
}

// TestClusterClaimTimersAnswerDropped: the same on a 3-master Cluster.
func TestClusterClaimTimersAnswerDropped(t *testing.T) {
	c, pxOf := clusterProxied(t)
	testClaimTimersAnswerDropped(t, openCluster(t, c, 0), openCluster(t, c, 0), pxOf)
}

// testClaimTimersAnswerDropped drops the answer of s's claim of two due
// timers on the connection to the node pxOf names for the first one's
// partition; other is another instance on the same Redis.
func testClaimTimersAnswerDropped(t *testing.T, s, other *Store, pxOf func(key string) *redistest.Proxy) {
	ctx := context.Background()
	now := time.UnixMilli(time.Now().UnixMilli())
	set := func(cid string) hub.Timer {
		tm := hub.Timer{CID: cid, Kind: hub.TimerDeadline, At: now}
		for _, st := range []*Store{s, other} { // each instance hears of it, as from its own request
			if err := st.SetTimer(ctx, tm); err != nil {
				t.Fatal(err)
			}
		}
		return tm
	}
	claim := func(st *Store) []string {
		t.Helper()
		ts, err := st.ClaimTimers(ctx, now, 10, time.Minute)
		if err != nil {
			t.Fatalf("ClaimTimers = %v", err)
		}
		var cids []string
		for _, x := range ts {
			cids = append(cids, x.CID)
		}
		slices.Sort(cids)
		return cids
	}
	set(cidIn(3, "warm"))
	if got := claim(s); len(got) != 1 { // loads the script
		t.Fatalf("warm-up ClaimTimers = %v, want the warm-up timer", got)
	}
	a, b := set(cidIn(14, "c-lost")), set(cidIn(12, "d-lost")) // a pipeline of two calls
	sha := []byte(timerClaimScript.Hash())
	px := pxOf(s.pkey(partitionOf(a.CID), "timers"))
	px.DropAnswer(func(sent []byte) bool { return bytes.Contains(sent, sha) })
	want := []string{a.CID, b.CID}
	slices.Sort(want)
	if got := claim(s); !slices.Equal(got, want) {
		t.Errorf("ClaimTimers sent again after its connection dropped = %v, want %v", got, want)
	}
	if px.AnswerArmed() {
		t.Fatal("no timer claim script went through the proxy")
	}
	for _, st := range []*Store{s, other} {
		want := []string{set(cidIn(14, "e")).CID, set(cidIn(12, "f")).CID}
		slices.Sort(want)
		if got := claim(st); !slices.Equal(got, want) {
			t.Errorf("a later ClaimTimers (another instance's: %t) = %v, want %v: the first one leased the others",
				st != s, got, want)
		}
	}
}

// TestClaimAnswerLost: a claim whose answer never comes (a timeout after
// Redis ran it) fails, and the next Claim sends its calls again, with its
// token: it answers the deliveries the first run leased, at once, where
// they waited out the lease, and leases them for a whole lease from its
// own now (the Deliverer counts the lease from the Claim that answered
// it): when the first lease would have ended they are not due. Once half
// the lease has passed a lost claim is not sent again: its deliveries
// are due to anyone when it ends.
func TestClaimAnswerLost(t *testing.T) {
	px := proxied(t)
	s := openThrough(t, px, "lostclaim:", time.Second) // no ordinary call stalls that long, even on a busy machine
	q := s.Queue()
	ctx := context.Background()
	now := time.Now()
	add := func(cid string) string { return addDue(t, q, cid, now).ID }
	claim := func(at time.Time) ([]string, error) {
		ds, err := q.Claim(ctx, at, 10, time.Minute)
		got := deliveryIDs(ds)
		slices.Sort(got)
		return got, err
	}
	add("warm")
	if got, err := claim(now); len(got) != 1 || err != nil { // loads the script
		t.Fatalf("warm-up Claim = %v, %v; want warm.1", got, err)
	}
	sha := []byte(claimScript.Hash())
	lose := func(want ...string) {
		t.Helper()
		px.LoseAnswer(func(sent []byte) bool { return bytes.Contains(sent, sha) })
		if got, err := claim(now); err == nil {
			t.Fatalf("Claim whose answer was lost = %v, want an error", got)
		}
		if px.AnswerArmed() {
			t.Fatal("no claim script went through the proxy")
		}
		slices.Sort(want)
	}

	want := []string{add(cidIn(14, "c")), add(cidIn(12, "d"))}
	reclaimed := want
	lose(want...)
	if got, err := claim(now.Add(time.Second)); err != nil || !slices.Equal(got, want) {
		t.Errorf("the Claim after one whose answer was lost = %v, %v; want %v", got, err, want)
	}
	if got, err := claim(now.Add(2 * time.Second)); err != nil || len(got) != 0 {
		t.Errorf("a later Claim = %v, %v; want nothing: the lost claim's deliveries are attempted", got, err)
	}

	want = []string{add(cidIn(14, "e")), add(cidIn(12, "f"))}
	lose(want...)
	if got, err := claim(now.Add(31 * time.Second)); err != nil || len(got) != 0 {
		t.Errorf("a Claim past half the lost claim's lease = %v, %v; want nothing: its deliveries are still leased", got, err)
	}
	// The lease of the warm-up's claim has ended too; that of the
	// deliveries sent again a second later has not.
	got, err := claim(now.Add(time.Minute))
	if err != nil || !slices.Contains(got, want[0]) || !slices.Contains(got, want[1]) {
		t.Errorf("a Claim when the lost claim's lease ended = %v, %v; want %v among them, due again", got, err, want)
	}
	for _, id := range reclaimed {
		if slices.Contains(got, id) {
			t.Errorf("a Claim a lease after the lost claim got %s, which the Claim a second later answered: "+
				"its lease ran from the lost claim, not from the Claim that answered it", id)
		}
	}
}

// TestClaimTimersAnswerLost: the same for a timer claim: the next
// ClaimTimers answers the timers the lost one leased, leased until its
// own lease ends, and a ClaimTimers when the lost one's lease would have
// ended gets not them.
func TestClaimTimersAnswerLost(t *testing.T) {
	px := proxied(t)
	s := openThrough(t, px, "losttimer:", time.Second) // no ordinary call stalls that long, even on a busy machine
	ctx := context.Background()
	now := time.UnixMilli(time.Now().UnixMilli())
	claim := func(at time.Time) ([]hub.Timer, error) { return s.ClaimTimers(ctx, at, 10, time.Minute) }
	set := func(cid string) {
		if err := s.SetTimer(ctx, hub.Timer{CID: cid, Kind: hub.TimerDeadline, At: now}); err != nil {
			t.Fatal(err)
		}
	}
	set(cidIn(3, "warm"))
	if got, err := claim(now); len(got) != 1 || err != nil { // loads the script
		t.Fatalf("warm-up ClaimTimers = %v, %v; want the warm-up timer", got, err)
	}
	a := cidIn(14, "c")
	set(a)
	sha := []byte(timerClaimScript.Hash())
	px.LoseAnswer(func(sent []byte) bool { return bytes.Contains(sent, sha) })
	if got, err := claim(now); err == nil {
		t.Fatalf("ClaimTimers whose answer was lost = %v, want an error", got)
	}
	end := now.Add(time.Second + time.Minute)
	got, err := claim(now.Add(time.Second))
	if err != nil || len(got) != 1 || got[0].CID != a || !got[0].At.Equal(end) {
		t.Errorf("the ClaimTimers after one whose answer was lost = %v, %v; want %s leased until %v", got, err, a, end)
	}
	got, err = claim(now.Add(time.Minute)) // the warm-up timer's lease has ended
	if err != nil || slices.ContainsFunc(got, func(x hub.Timer) bool { return x.CID == a }) {
		t.Errorf("a ClaimTimers when the lost one's lease would have ended = %v, %v; want not %s: leased until %v", got, err, a, end)
	}
}

// TestClaimLostCallRunsLate: a lost claim call's first run may reach
// Redis after the next claim sent it again with its token and a later
// clock (the old connection delivers it late), and so finds what the
// second run leased: it never shortens that lease, of a delivery or of
// a timer, to its own older end.
func TestClaimLostCallRunsLate(t *testing.T) {
	s, _, q := openQueueOn(t, "late:")
	ctx := context.Background()
	now := time.UnixMilli(time.Now().UnixMilli())
	first, again := now, now.Add(5*time.Second) // the lost run's clock, the next claim's
	cid := cidIn(14, "c")
	d := addDue(t, q, cid, now)
	if err := s.SetTimer(ctx, hub.Timer{CID: cid, Kind: hub.TimerDeadline, At: now}); err != nil {
		t.Fatal(err)
	}
	p, lease := partitionOf(cid), time.Minute
	for _, k := range []struct {
		sc   *redis.Script
		set  string
		keys []string
		args func(at time.Time) []any
		id   string
		n    int // the answer's length
	}{
		{claimScript, "due", []string{s.pkey(p, "due"), s.pkey(p, "pend"), s.pkey(p, "c:late.1")},
			func(at time.Time) []any { return []any{at.UnixMilli(), at.Add(lease).UnixMilli(), 10, s.pkey(p, "d:")} }, d.ID, 1},
		{timerClaimScript, "timers", []string{s.pkey(p, "timers"), s.pkey(p, "tc:late.1")},
			func(at time.Time) []any { return []any{at.UnixMilli(), at.Add(lease).UnixMilli(), 10} }, hub.TimerDeadline + "|" + cid, 3},
	} {
		for _, at := range []time.Time{again, first} {
			cmds, err := s.evalAll(ctx, k.sc, []scriptCall{{keys: k.keys, args: k.args(at)}})
			if err != nil {
				t.Fatal(err)
			}
			if res, err := cmds[0].StringSlice(); err != nil || len(res) != k.n {
				t.Fatalf("%s claim at %v = %v, %v; want %s", k.set, at, res, err, k.id)
			}
		}
		score, err := s.rdb.ZScore(ctx, s.pkey(p, k.set), k.id).Result()
		if want := again.Add(lease); err != nil || !scoreTime(score).Equal(want) {
			t.Errorf("%s of %s after the lost run came late = %v, %v; want %v, the lease the next claim took",
				k.set, k.id, scoreTime(score), err, want)
		}
	}
}

// proxied is a loopback proxy in front of a redis-server of its own.
func proxied(t *testing.T) *redistest.Proxy {
	return redistest.StartProxy(t, redistest.Start(t).Addr)
}

// onlyProxy names px as the proxy of every key: one Redis behind it.
func onlyProxy(px *redistest.Proxy) func(key string) *redistest.Proxy {
	return func(string) *redistest.Proxy { return px }
}

// clusterProxied is a 3-master Cluster whose nodes are each behind a
// loopback proxy, and the proxy of the master that serves a key.
func clusterProxied(t *testing.T) (*redistest.Cluster, func(key string) *redistest.Proxy) {
	c, proxies := redistest.StartClusterBehindProxies(t, 3, 0)
	return c, func(key string) *redistest.Proxy { return proxies[slices.Index(c.Nodes, c.MasterOf(key))] }
}

// openThrough opens a Store with prefix through px, every call bounded
// by timeout, closed at the test's end.
func openThrough(t *testing.T, px *redistest.Proxy, prefix string, timeout time.Duration) *Store {
	t.Helper()
	s, err := Open(Config{URL: px.URL(), KeyPrefix: prefix, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
