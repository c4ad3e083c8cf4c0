package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// durability is the WAIT policy of writes: with replicas > 0, a write
// counts as done only once that many replicas confirm they hold it.
//
// WAIT counts the replicas that reached the replication offset of the
// connection's last write, so it must follow the write on the same
// connection. A go-redis pipeline of a standalone or Sentinel client is
// written and read on one connection (a retry resends all of it on
// another); on a Cluster the pipeline goes to the slot master's own
// client (topology), never through the ClusterClient, whose redirect
// retries would resend the write without its WAIT. Each pipeline also
// sets a marker key in the write's slot before WAIT: a write that
// changes nothing (a retried reply answered "dup", an existing step)
// propagates nothing, and WAIT would then count replicas against an
// older offset than that of the data the answer confirms.
type durability struct {
	replicas int
	timeout  time.Duration
}

// ErrNotReplicated reports a write that fewer replicas than WaitReplicas
// confirmed within WaitTimeout. It comes wrapped with hub.ErrUnavailable:
// the write may be stored, and a retry is safe (writes are idempotent).
var ErrNotReplicated = errors.New("redisstore: write not replicated in time")

// eval runs a script that writes: as Script.Run does without
// WaitReplicas, else in one pipeline with WAIT (see durability).
func (s *Store) eval(ctx context.Context, sc *redis.Script, keys []string, args ...any) *redis.Cmd {
	if s.wait.replicas == 0 {
		return sc.Run(ctx, s.batched, keys, args...)
	}
	var cmd *redis.Cmd
	err := s.waited(ctx, keys[0], func(p redis.Pipeliner) { cmd = sc.EvalSha(ctx, p, keys, args...) })
	if err == nil && redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
		err = s.waited(ctx, keys[0], func(p redis.Pipeliner) { cmd = sc.Eval(ctx, p, keys, args...) })
	}
	if err != nil {
		cmd = redis.NewCmd(ctx)
		cmd.SetErr(err)
	}
	return cmd
}

// write runs the commands fill adds, all in the slot of slotKey, as one
// pipeline, with WAIT when WaitReplicas asks for it. It returns the first
// error of a command (redis.Nil aside) or of the WAIT.
func (s *Store) write(ctx context.Context, slotKey string, fill func(redis.Pipeliner)) error {
	var cmds []redis.Cmder
	collect := func(p redis.Pipeliner) {
		fill(p)
		cmds = p.Cmds()
	}
	var err error
	if s.wait.replicas == 0 {
		pipe := s.rdb.Pipeline()
		collect(pipe)
		_, err = pipe.Exec(ctx)
	} else {
		err = s.waited(ctx, slotKey, collect)
	}
	if err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	for _, c := range cmds {
		if e := c.Err(); e != nil && !errors.Is(e, redis.Nil) {
			return e
		}
	}
	return nil
}

// waited runs fill's commands, a marker write and WAIT in one pipeline
// on one connection to the master of slotKey's slot. Its error is that
// of the connection or the WAIT; the commands keep their own. A MOVED,
// ASK or TRYAGAIN answer (a Cluster slot moving) sends it all again, up
// to four times.
func (s *Store) waited(ctx context.Context, slotKey string, fill func(redis.Pipeliner)) error {
	for attempt := 1; ; attempt++ {
		pinned, addr, err := s.pinned(ctx, slotKey)
		if err != nil {
			return err
		}
		pipe := pinned.Pipeline()
		fill(pipe)
		pipe.Set(ctx, s.prefix+"ack:{"+hashTag(slotKey)+"}", "1", time.Second)
		wait := pipe.Do(ctx, "WAIT", s.wait.replicas, s.wait.timeout.Milliseconds())
		cmds, _ := pipe.Exec(ctx)
		if attempt < 4 && s.redirected(ctx, cmds, attempt) {
			continue
		}
		n, err := wait.Int()
		if err != nil {
			s.lostNode(addr, err)
			return err
		}
		if n < s.wait.replicas {
			return fmt.Errorf("%w: %d of %d replicas within %s", ErrNotReplicated, n, s.wait.replicas, s.wait.timeout)
		}
		return nil
	}
}

// pinned is the client whose pipeline stays on one connection to the
// master of slotKey's slot: the Store's own, or on a Cluster that
// master's (addr names it).
func (s *Store) pinned(ctx context.Context, slotKey string) (redis.Cmdable, string, error) {
	if s.topo == nil {
		return s.rdb, "", nil
	}
	addr, err := s.topo.master(ctx, keySlot(slotKey))
	if err != nil {
		return nil, "", err
	}
	return s.topo.client(addr), addr, nil
}

// redirected reports whether a Cluster answered that the slot is
// elsewhere or moving, after noting where it went or waiting a little.
func (s *Store) redirected(ctx context.Context, cmds []redis.Cmder, attempt int) bool {
	if s.topo == nil {
		return false
	}
	for _, c := range cmds {
		err := c.Err()
		kind, slot, addr, ok := movedTo(err)
		if ok && kind == "MOVED" {
			s.topo.moved(slot, addr)
			return true
		}
		if ok || redis.HasErrorPrefix(err, "TRYAGAIN") || redis.HasErrorPrefix(err, "CLUSTERDOWN") {
			select { // a slot in migration, or a failover: moments
			case <-time.After(time.Duration(attempt) * 50 * time.Millisecond):
			case <-ctx.Done():
			}
			return true
		}
	}
	return false
}

// lostNode forgets a Cluster master that could not be reached, so the
// next write reads the slot map again (after a failover, the new master).
func (s *Store) lostNode(addr string, err error) {
	if s.topo != nil && addr != "" && !isRedisError(err) {
		s.topo.forgetNode(addr)
	}
}

func isRedisError(err error) bool {
	var rerr redis.Error
	return errors.As(err, &rerr)
}
