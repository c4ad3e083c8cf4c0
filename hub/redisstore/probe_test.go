package redisstore_test

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/redisstore"
	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
)

// detectWithin is the claim of the probe: a deaf pub/sub connection is
// replaced, and its subscribers told to re-read, within 5 seconds.
const detectWithin = 5 * time.Second

// proxiedStore opens a Store that reaches srv through a proxy that can
// make its pub/sub connection deaf, and counts its reconnects.
func proxiedStore(t *testing.T, srv *redistest.Server) (*redisstore.Store, *redistest.Proxy, *atomic.Int32) {
	t.Helper()
	px := redistest.StartProxy(t, srv.Addr)
	var reconnects atomic.Int32
	s, err := redisstore.Open(redisstore.Config{URL: px.URL(), KeyPrefix: t.Name() + ":",
		OnReconnect: func() { reconnects.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, px, &reconnects
}

// awaitHint waits up to d for the loss signal (an empty message) on ch,
// skipping messages, and says how long it took.
func awaitHint(t *testing.T, ch <-chan []byte, d time.Duration, what string) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := time.After(d)
	for {
		select {
		case msg, ok := <-ch:
			if !ok {
				t.Fatalf("%s: subscription closed", what)
			}
			if len(msg) == 0 {
				return time.Since(start)
			}
		case <-deadline:
			t.Fatalf("%s: no re-read signal within %s", what, d)
		}
	}
}

// TestPubSubDeafConnectionReplaced: the pub/sub connection stays open but
// hears nothing (a proxy stops forwarding to it); within 5 seconds the
// broker replaces it, tells the subscriber to re-read the store, and
// messages arrive live again.
func TestPubSubDeafConnectionReplaced(t *testing.T) {
	srv := redistest.Start(t)
	s, px, reconnects := proxiedStore(t, srv)
	b := s.Broker()
	ch, err := b.Subscribe(t.Context(), "cid:x")
	if err != nil {
		t.Fatal(err)
	}
	awaitHint(t, ch, testwait.Deadline, "first subscribe")
	px.MutePubSub()
	if err := b.Publish(t.Context(), "cid:x", []byte("lost")); err != nil {
		t.Fatal(err)
	}
	took := awaitHint(t, ch, detectWithin, "deaf connection")
	t.Logf("deaf pub/sub connection replaced, subscriber told to re-read, after %s", took)
	if reconnects.Load() == 0 {
		t.Error("the replacement was not counted as a reconnect")
	}
	if err := b.Publish(t.Context(), "cid:x", []byte("live")); err != nil {
		t.Fatal(err)
	}
	select {
	case msg := <-ch:
		for len(msg) == 0 { // more confirmations of the new subscribe
			msg = <-ch
		}
		if string(msg) != "live" {
			t.Errorf("after the replacement got %q, want live", msg)
		}
	case <-time.After(testwait.Deadline):
		t.Fatal("no message on the new connection")
	}
}

// TestPingFailsWhileDeaf: while every pub/sub connection is deaf, Ping
// (what /readyz asks) fails, from at most 5 seconds after the connection
// went deaf, and a deaf replacement is replaced in turn; once a new
// connection hears again, Ping succeeds and the subscriber is told to
// re-read.
func TestPingFailsWhileDeaf(t *testing.T) {
	srv := redistest.Start(t)
	s, px, reconnects := proxiedStore(t, srv)
	ch, err := s.Broker().Subscribe(t.Context(), "cid:x")
	if err != nil {
		t.Fatal(err)
	}
	awaitHint(t, ch, testwait.Deadline, "first subscribe")
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping before = %v", err)
	}
	px.SetDeaf(true)
	start := time.Now()
	testwait.Within(t, detectWithin, "Ping to fail while pub/sub is deaf", func() bool {
		return s.Ping(t.Context()) != nil
	})
	t.Logf("Ping fails %s after the pub/sub connection went deaf", time.Since(start))
	testwait.Within(t, 2*detectWithin, "the deaf replacement replaced in turn", func() bool {
		return reconnects.Load() >= 2
	})
	if err := s.Ping(t.Context()); err == nil {
		t.Error("Ping succeeds while every pub/sub connection is deaf")
	}
	px.SetDeaf(false)
	testwait.Until(t, "Ping to succeed once pub/sub hears again", func() bool {
		return s.Ping(t.Context()) == nil
	})
	awaitHint(t, ch, testwait.Deadline, "re-read after the new connection")
}

// TestPingRefusedWrites: Ping means "can store": a Redis that answers
// PING but refuses every write (here: it wants a replica it lacks) fails
// it, and it passes again once writes are taken.
func TestPingRefusedWrites(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv)
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping = %v", err)
	}
	admin := srv.Client()
	if err := admin.ConfigSet(t.Context(), "min-replicas-to-write", "1").Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); !errors.Is(err, hub.ErrUnavailable) {
		t.Errorf("Ping with writes refused = %v, want hub.ErrUnavailable", err)
	}
	if err := admin.ConfigSet(t.Context(), "min-replicas-to-write", "0").Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping with writes taken again = %v", err)
	}
}
