package redisstore_test

import (
	"testing"

	"github.com/callhub/callhub/hub/hubtest"
	"github.com/callhub/callhub/hub/redisstore"
	"github.com/callhub/callhub/hub/redisstore/redistest"
)

// newStore opens a Store on srv with a key prefix of its own.
func newStore(t *testing.T, srv *redistest.Server) *redisstore.Store {
	t.Helper()
	s, err := redisstore.Open(redisstore.Config{URL: srv.URL(0), KeyPrefix: t.Name() + ":"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestRedisConformance(t *testing.T) {
	srv := redistest.Start(t)
	hubtest.Run(t, func(t *testing.T) hubtest.Backend {
		s := newStore(t, srv)
		return hubtest.Backend{Store: s, Broker: s.Broker(), Queue: s.Queue(), Health: s.Health()}
	})
}
