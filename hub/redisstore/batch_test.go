package redisstore

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
)

// TestConcurrentAppendsBatched: replies appended while Redis is busy
// queue behind the batch in flight and go out together, pipelined on one
// connection, instead of taking a connection and a round trip each; every
// one of them is stored.
func TestConcurrentAppendsBatched(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s, err := Open(Config{URL: srv.URL(0), KeyPrefix: "batch:"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n = 50
	cids := make([]string, n)
	for i := range cids {
		cids[i] = "c-" + strconv.Itoa(i)
		if _, _, err := s.CreateRequest(ctx, hub.Record{CID: cids[i], Caller: "shop", ServiceID: "svc", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	srv.Pause() // every append waits: those behind the first must batch
	var wg sync.WaitGroup
	var started atomic.Int32
	errs := make([]error, n)
	for i := range cids {
		wg.Go(func() {
			started.Add(1)
			_, errs[i] = s.AppendReply(ctx, hub.Reply{CID: cids[i], Seq: 1, Data: []byte(`{"i":` + strconv.Itoa(i) + `}`)})
		})
	}
	testwait.Until(t, "every append to start", func() bool { return started.Load() == n })
	srv.Resume()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	clients, err := srv.Client().ClientList(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	scripted := 0
	for _, c := range strings.Split(strings.TrimSpace(clients), "\n") {
		if strings.Contains(c, " cmd=evalsha ") || strings.Contains(c, " cmd=eval ") {
			scripted++
		}
	}
	if scripted > 2 {
		t.Errorf("%d appends ran on %d connections, want them pipelined on one or two:\n%s", n, scripted, clients)
	}
	for _, cid := range cids {
		if rs, err := s.Replies(ctx, cid, "", 10); err != nil || len(rs) != 1 {
			t.Fatalf("replies of %s: %d, %v; want 1", cid, len(rs), err)
		}
	}
}
