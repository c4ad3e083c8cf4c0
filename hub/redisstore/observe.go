package redisstore

import (
	"context"
	"errors"
	"net"

	"github.com/redis/go-redis/v9"
)

// errorHook is the go-redis hook that calls onError once per command,
// pipeline or dial that failed to reach Redis (refused, reset, timed
// out). An error Redis answered with (redis.Nil, a script's first
// NOSCRIPT, a handshake command an older Redis does not know) and a
// canceled call are not counted: they say nothing about Redis's health.
type errorHook struct{ onError func() }

var _ redis.Hook = errorHook{}

func (h errorHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := next(ctx, network, addr)
		h.note(err)
		return c, err
	}
}

func (h errorHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		h.note(err)
		return err
	}
}

func (h errorHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		h.note(err)
		return err
	}
}

func (h errorHook) note(err error) {
	if err == nil { // before answered, which escapes: declared first, it is allocated on every call
		return
	}
	var answered redis.Error
	if errors.As(err, &answered) || errors.Is(err, context.Canceled) {
		return
	}
	h.onError()
}

// observeErrors has onError called for every failed call of s's clients,
// a Cluster's per-node clients included.
func (s *Store) observeErrors(onError func()) {
	h := errorHook{onError}
	s.rdb.AddHook(h)
	if s.topo != nil {
		s.topo.addHook(h)
	}
}
