package redisstore

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// The sweeper closes the window between a per-cid script that stores a
// delivery as pending and the ZADD that schedules it: they live in
// different Cluster slots, so no script does both, and an instance that
// dies in between (in Add, or in an admin replay's Save) would leave the
// delivery stored but never claimed.
//
// Before such a script runs, the delivery's id goes into {dq}:sweep,
// scored with when a sweep may look at it (pendingGrace later); the
// ZADD's pipeline removes it again. The set thus holds only the Adds and
// Saves under way and those an instance died in, whatever the number of
// deliveries, and a sweep reads only the entries past their grace, in
// pages: nothing is scanned per cid. Claim sweeps at most every
// sweepEvery, on each instance; for each entry it schedules the head of
// the entry's cid (its first pending seq) unless that one is leased or
// the cid has a gap, then drops the entry. A delivery scheduled twice (it
// was in the ready stream already) is harmless: its second lease finds it
// held or done.
//
// A delivery that was leased needs no sweep: its stream entry is
// acknowledged only after its Save scheduled what comes next, and an
// unacknowledged entry is taken over after the lease (XAUTOCLAIM).

const (
	pendingGrace = 30 * time.Second // longer than any Add between its two halves
	sweepEvery   = 5 * time.Second
	sweepPage    = 100
)

// ahead marks id in {dq}:sweep, then runs script on a cid's keys.
// Outside Cluster both go in one pipeline, which Redis runs in order on
// one connection; a Cluster pipeline sends each node's share
// concurrently, so there (and with WaitReplicas, whose WAIT follows the
// script on its own connection) the mark goes first, on its own.
func (q *Queue) ahead(ctx context.Context, id string, script *redis.Script, keys []string, args ...any) *redis.Cmd {
	mark := redis.Z{Score: float64(time.Now().Add(pendingGrace).UnixMilli()), Member: id}
	if _, cluster := q.s.rdb.(*redis.ClusterClient); cluster || q.s.wait.replicas > 0 {
		if err := q.s.rdb.ZAdd(ctx, q.qkey("sweep"), mark).Err(); err != nil {
			cmd := redis.NewCmd(ctx)
			cmd.SetErr(err)
			return cmd
		}
		return q.s.eval(ctx, script, keys, args...) // waited for replicas when asked
	}
	var cmd *redis.Cmd
	for range 2 { // a second time after loading the script
		pipe := q.s.rdb.Pipeline()
		pipe.ZAdd(ctx, q.qkey("sweep"), mark)
		cmd = script.EvalSha(ctx, pipe, keys, args...)
		_, err := pipe.Exec(ctx)
		if !redis.HasErrorPrefix(err, "NOSCRIPT") {
			break
		}
		if err := script.Load(ctx, q.s.rdb).Err(); err != nil {
			cmd.SetErr(err)
			break
		}
	}
	return cmd
}

// sweep schedules what an instance left stored but unscheduled, when a
// sweep is due at now.
func (q *Queue) sweep(ctx context.Context, now time.Time) error {
	q.mu.Lock()
	due := !now.Before(q.sweepAt)
	if due {
		q.sweepAt = now.Add(sweepEvery)
	}
	q.mu.Unlock()
	if !due {
		return nil
	}
	ids, err := q.s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: q.qkey("sweep"), ByScore: true,
		Start: "-inf", Stop: strconv.FormatInt(now.UnixMilli(), 10), Count: sweepPage}).Result()
	if err != nil {
		return wrap(err)
	}
	for _, id := range ids {
		if err := q.sweepOne(ctx, id, now); err != nil {
			return err
		}
	}
	if len(ids) == sweepPage { // more to do: go on at the next Claim
		q.mu.Lock()
		q.sweepAt = time.Time{}
		q.mu.Unlock()
	}
	return nil
}

// sweepOne schedules the head of id's cid if nothing else will, and
// drops id from {dq}:sweep.
func (q *Queue) sweepOne(ctx context.Context, id string, now time.Time) error {
	pipe := q.s.rdb.Pipeline()
	if cid, _, ok := splitID(id); ok {
		s, err := sweepScript.Run(ctx, q.s.rdb, q.cidKeys(cid), now.UnixMilli()).Text()
		if err != nil {
			return wrap(err)
		}
		if d, err := decodeDelivery(s); s != "" && err == nil {
			pipe.ZAddNX(ctx, q.qkey("delayed"), redis.Z{Score: float64(d.NextAttemptAt.UnixMilli()), Member: d.ID})
		}
	}
	pipe.ZRem(ctx, q.qkey("sweep"), id)
	_, err := pipe.Exec(ctx)
	return wrap(err)
}

// sweepScript answers the delivery JSON of a cid's head, its first
// pending seq, unless that one's lease runs at ARGV[1] or the cid has a
// gap (whose Add schedules the head); else "".
var sweepScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[5]) == 1 then return '' end
local head, field = nil, nil
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  local s = tonumber(all[i])
  if all[i+1] == 'pending' and (not head or s < head) then head, field = s, all[i] end
end
if not head then return '' end
local lease = redis.call('HGET', KEYS[3], field)
if lease and tonumber(lease) > tonumber(ARGV[1]) then return '' end
return redis.call('HGET', KEYS[1], field) or ''`)
