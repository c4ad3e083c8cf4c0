package redisstore

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
)

// boundHook is the go-redis hook that bounds every command and pipeline,
// retries and the wait for a pooled connection included, by the Store's
// Timeout: a hung Redis (a stopped process, a partition that leaves the
// connection open) fails a call with hub.ErrUnavailable within Timeout
// instead of after go-redis's read timeout times its retries. Once the
// bound has passed, go-redis retries nothing: its retry loop ends with
// the context. A caller's earlier deadline is kept. A pipeline holding
// WAIT gets the WAIT's own bound on top (see durability).
//
// It wraps the autopipeliner's batches too, which run on a context of
// their own and otherwise ignore their callers' deadlines.
type boundHook struct {
	timeout  time.Duration // per call
	wait     time.Duration // added for a pipeline with WAIT
	timedOut func()        // called when a call ran out of its bound, or nil
}

var _ redis.Hook = boundHook{}

func (h boundHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		ctx, cancel := h.bound(ctx, h.timeout)
		defer cancel()
		return next(ctx, network, addr)
	}
}

func (h boundHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		ctx, cancel := h.bound(ctx, h.timeout)
		defer cancel()
		return h.note(ctx, next(ctx, cmd))
	}
}

func (h boundHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		d := h.timeout
		for _, c := range cmds {
			if c.Name() == "wait" {
				d += h.wait
				break
			}
		}
		ctx, cancel := h.bound(ctx, d)
		defer cancel()
		return h.note(ctx, next(ctx, cmds))
	}
}

// note calls timedOut when err is a call running out of time.
func (h boundHook) note(ctx context.Context, err error) error {
	if err != nil && h.timedOut != nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) || isTimeout(err)) {
		h.timedOut()
	}
	return err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// bound is ctx with a deadline d from now, unless it has an earlier one.
func (h boundHook) bound(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= d {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}
