package redisstore

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/redis/go-redis/v9"
)

// The lifecycle of an async request on Redis. Its record holds "hb" (its
// heartbeatMs), "sign" (the last sign of life, unix ms: set at creation,
// by every reply and heartbeat) and, while it is stalled, "stalled" (when
// the silence began). Its timers live in its partition's sorted set
// "timers", member "<kind>|<cid>", score the time it is due (unix ms),
// or while it is leased the lease's end less half a millisecond, a score
// no SetTimer sets: no key is shared by every request, and whichever
// instance is alive claims them (see watch.go). What a claim leased is
// kept until its lease ends under "tc:<token>" in the same partition
// (ClaimTimers).

var (
	signScript       = luaScript("sign.lua")
	stallScript      = luaScript("stall.lua")
	timerClaimScript = luaScript("timer_claim.lua")
	timerDropScript  = luaScript("timer_drop.lua")
)

// Sign implements hub.Store: one script call.
func (s *Store) Sign(ctx context.Context, cid string, at time.Time) (hub.Signed, error) {
	res, err := s.eval(ctx, signScript, []string{s.key("req", cid)}, at.UnixMilli()).StringSlice()
	if err != nil {
		return hub.Signed{}, wrap(err)
	}
	switch res[0] {
	case "notfound":
		return hub.Signed{}, notFound(cid)
	case "ended":
		return hub.Signed{}, hub.Ended(cid, res[1])
	}
	return hub.Signed{Caller: res[1], Resumed: res[2] == "1", HeartbeatMs: heartbeat(res[3])}, nil
}

// CheckStall implements hub.Store: one script call.
func (s *Store) CheckStall(ctx context.Context, cid string, now time.Time) (hub.Stall, error) {
	res, err := s.eval(ctx, stallScript, []string{s.key("req", cid)}, now.UnixMilli()).StringSlice()
	if err != nil {
		return hub.Stall{}, wrap(err)
	}
	if res[0] == "notfound" {
		return hub.Stall{}, notFound(cid)
	}
	st := hub.Stall{Caller: res[1]}
	switch res[0] {
	case "later":
		st.Next = *msTime(res[2])
	case "stalled":
		st.Stalled, st.Since = true, *msTime(res[2])
	}
	return st, nil
}

// timerKey is the partition's timers of cid, and cid's member in it.
func (s *Store) timerKey(t hub.Timer) (p int, key, member string) {
	p = partitionOf(t.CID)
	return p, s.pkey(p, "timers"), t.Kind + "|" + t.CID
}

// SetTimer implements hub.Timers.
func (s *Store) SetTimer(ctx context.Context, t hub.Timer) error {
	p, key, member := s.timerKey(t)
	if err := s.rdb.ZAdd(ctx, key, redis.Z{Score: float64(t.At.UnixMilli()), Member: member}).Err(); err != nil {
		return wrap(err)
	}
	s.timers.dueAt(p, t.At)
	return nil
}

// DropTimer implements hub.Timers: t.At is the end of its lease, whose
// score is half a millisecond less (timer_drop.lua).
func (s *Store) DropTimer(ctx context.Context, t hub.Timer) error {
	_, key, member := s.timerKey(t)
	return wrap(s.eval(ctx, timerDropScript, []string{key}, member, t.At.UnixMilli()).Err())
}

// ClaimTimers implements hub.Timers: one script call per partition that
// may have due timers, all in one pipeline; none while none may. Like a
// Claim of deliveries (queue_claim.go), each has a token under which the
// script keeps what it leased, so the pipeline sent again after its
// connection dropped answers the timers its first run leased, which then
// fire at once rather than when their lease runs out; one that failed
// outright is sent again by the next ClaimTimers (lostCalls), which
// leases what it answers from its own now, or leaves them leased until
// the end the first run took if that is later (a clock stepped back):
// each timer's At is the end its lease has in Redis.
func (s *Store) ClaimTimers(ctx context.Context, now time.Time, n int, lease time.Duration) ([]hub.Timer, error) {
	var out []hub.Timer
	call := func(c claimCall) scriptCall {
		return scriptCall{keys: []string{s.pkey(c.p, "timers"), s.pkey(c.p, "tc:"+c.token)},
			args: []any{c.now.UnixMilli(), c.now.Add(c.lease).UnixMilli(), c.share}}
	}
	take := func(c claimCall, res []string) int {
		if len(res) < 2 {
			return 0
		}
		if score, err := strconv.ParseFloat(res[0], 64); err == nil {
			s.timers.dueAt(c.p, scoreTime(score))
		}
		end := msTime(res[1])
		if end == nil {
			return 0
		}
		for _, id := range res[2:] {
			if kind, cid, ok := strings.Cut(id, "|"); ok {
				out = append(out, hub.Timer{CID: cid, Kind: kind, At: *end})
			}
		}
		return len(res) - 2
	}
	err := s.claim(ctx, &s.timers, now, n, lease, timerClaimScript, call, take)
	return out, err
}
