package redisstore

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/callhub/callhub/hub/callback"
	"github.com/redis/go-redis/v9"
)

// Besides the failure streaks, Health keeps, in the {dq} slot:
//
//	{dq}:seen           hash: endpoint → "<status>,<unix ms>" of its last attempt
//	{dq}:callers:<ep>   set: the callers whose callbacks went to ep; expires
//	                    with the retention after its last attempt
//
// Endpoints are few (one per callback host), so the hash is not trimmed.

func (h Health) seenKey() string             { return h.s.prefix + "{dq}:seen" }
func (h Health) callersKey(ep string) string { return h.s.prefix + "{dq}:callers:" + ep }

// Seen implements callback.Health.
func (h Health) Seen(ctx context.Context, endpoint, caller string, status int, t time.Time) error {
	pipe := h.s.rdb.Pipeline()
	pipe.HSet(ctx, h.seenKey(), endpoint, strconv.Itoa(status)+","+strconv.FormatInt(t.UnixMilli(), 10))
	if caller != "" {
		pipe.SAdd(ctx, h.callersKey(endpoint), caller)
		pipe.PExpire(ctx, h.callersKey(endpoint), h.s.retention)
	}
	_, err := pipe.Exec(ctx)
	return wrap(err)
}

// List implements callback.Health.
func (h Health) List(ctx context.Context) ([]callback.EndpointHealth, error) {
	pipe := h.s.rdb.Pipeline()
	seenCmd := pipe.HGetAll(ctx, h.seenKey())
	failCmd := pipe.HGetAll(ctx, h.key())
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, wrap(err)
	}
	eps := map[string]bool{}
	for ep := range seenCmd.Val() {
		eps[ep] = true
	}
	for ep := range failCmd.Val() {
		eps[ep] = true
	}
	sorted := slices.Sorted(maps.Keys(eps))
	callers, err := h.callers(ctx, sorted)
	if err != nil {
		return nil, err
	}
	out := make([]callback.EndpointHealth, len(sorted))
	for i, ep := range sorted {
		e := callback.EndpointHealth{Endpoint: ep, Callers: callers[i]}
		if v, ok := failCmd.Val()[ep]; ok {
			e.FailingSince = unixMs(v)
		}
		if st, at, ok := strings.Cut(seenCmd.Val()[ep], ","); ok {
			e.LastStatus, _ = strconv.Atoi(st)
			e.LastAt = unixMs(at)
		}
		out[i] = e
	}
	return out, nil
}

// callers reads the callers of each endpoint, sorted, in one round trip.
func (h Health) callers(ctx context.Context, eps []string) ([][]string, error) {
	pipe := h.s.rdb.Pipeline()
	cmds := make([]*redis.StringSliceCmd, len(eps))
	for i, ep := range eps {
		cmds[i] = pipe.SMembers(ctx, h.callersKey(ep))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap(err)
	}
	out := make([][]string, len(eps))
	for i, c := range cmds {
		out[i] = c.Val()
		slices.Sort(out[i])
	}
	return out, nil
}

func unixMs(v string) time.Time {
	ms, _ := strconv.ParseInt(v, 10, 64)
	return time.UnixMilli(ms)
}
