package hub_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/memstore"
	"github.com/callhub/callhub/internal/testwait"
)

// lifecycleHub runs a hub on a memory store inside a synctest bubble,
// with an async cid c created at the bubble's start with heartbeatMs.
func lifecycleHub(t *testing.T, heartbeatMs int64) (*hub.Hub, *memstore.Store) {
	store := &memstore.Store{}
	h, err := hub.New(hub.Config{Store: store, Broker: &memstore.Broker{}, Secret: []byte("k")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	if _, _, err := store.CreateRequest(context.Background(), hub.Record{CID: "c", Caller: "shop", ServiceID: "s",
		Mode: hub.ModeAsync, State: hub.StatePending, CreatedAt: time.Now(), HeartbeatMs: heartbeatMs}); err != nil {
		t.Fatal(err)
	}
	return h, store
}

// TestDeadlineFiresOnTime: a deadline fires at its time, within one
// timer tick, and not before.
func TestDeadlineFiresOnTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, store := lifecycleHub(t, 0)
		ctx := context.Background()
		store.SetTimer(ctx, hub.Timer{CID: "c", Kind: hub.TimerDeadline, At: time.Now().Add(10 * time.Second)})
		time.Sleep(9900 * time.Millisecond)
		synctest.Wait()
		if rec, _ := store.Lookup(ctx, "c"); rec.State != hub.StatePending {
			t.Fatalf("state %q before the deadline, want pending", rec.State)
		}
		time.Sleep(400 * time.Millisecond)
		synctest.Wait()
		rec, err := store.Get(ctx, "c")
		if err != nil || rec.State != hub.StateExpired || len(rec.Replies) != 1 || rec.Replies[0].Code != hub.CodeDeadline {
			t.Fatalf("record after the deadline = %+v, %v; want expired with the 504 reply", rec, err)
		}
	})
}

// TestStallFollowsLastSign: a heartbeat moves the stall: the check at
// the first silence finds a sign of life and looks again heartbeatMs
// after it; the stall's since is that last sign.
func TestStallFollowsLastSign(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, store := lifecycleHub(t, 5000)
		ctx := context.Background()
		start := time.Now()
		store.SetTimer(ctx, hub.Timer{CID: "c", Kind: hub.TimerStall, At: start.Add(5 * time.Second)})
		sub := h.NewSubscriber()
		defer sub.Close()
		nop := func(hub.Reply) error { return nil }
		sub.Recover(ctx, "c", "", nop)
		sub.Live(ctx, "c", nop)
		time.Sleep(4 * time.Second)
		if err := h.Heartbeat(ctx, hub.Principal{Kind: hub.KindService, ID: "s"}, "c", nil, ""); err != nil {
			t.Fatal(err)
		}
		beat := time.Now()
		if r := <-sub.C(); r.Event() != "progress" {
			t.Fatalf("frame %s, want progress", r.Frame())
		}
		time.Sleep(4500 * time.Millisecond) // past the first check (5s), short of the beat's (9s)
		synctest.Wait()
		if rec, _ := store.Lookup(ctx, "c"); rec.StalledSince != nil {
			t.Fatalf("stalled at %v, though the service beat at %v", rec.StalledSince, beat)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		select {
		case r := <-sub.C():
			if r.Event() != "stalled" {
				t.Fatalf("frame %s, want stalled", r.Frame())
			}
		default:
			t.Fatal("no stalled frame heartbeatMs after the last beat")
		}
		if rec, _ := store.Lookup(ctx, "c"); rec.StalledSince == nil || !rec.StalledSince.Equal(beat) {
			t.Errorf("stalledSince = %v, want the last beat %v", rec.StalledSince, beat)
		}
	})
}

// TestCancelNoticeOutlivesInstance: the instance that canceled a cid
// closes after its first notice was refused; another instance on the
// same store sends the retry.
func TestCancelNoticeOutlivesInstance(t *testing.T) {
	var hits atomic.Int32
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/cancel" {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		if hits.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer svc.Close()
	store, broker := &memstore.Store{}, &memstore.Broker{}
	newHub := func() *hub.Hub {
		h, err := hub.New(hub.Config{Store: store, Broker: broker, Secret: []byte("k"),
			Services: []hub.Service{{ID: "s", BaseURL: svc.URL, CancelPath: "/cancel"}}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(h.Close)
		return h
	}
	a := newHub()
	ctx := context.Background()
	out, err := a.Submit(ctx, hub.Request{ServiceID: "s", Path: "/work", Async: true, Caller: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Cancel(ctx, hub.Principal{Kind: hub.KindCaller, ID: "shop"}, out.CID, "no longer needed"); err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, "the first notice", func() bool { return hits.Load() == 1 })
	a.Close()
	newHub()
	testwait.Until(t, "the retry, from the other instance", func() bool { return hits.Load() == 2 })
}
