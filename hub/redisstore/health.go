package redisstore

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/callhub/callhub/hub/callback"
	"github.com/redis/go-redis/v9"
)

// Health is callback.Health on Redis: one hash, endpoint → start of its
// failure streak (unix ms), shared by every instance.
type Health struct{ s *Store }

var _ callback.Health = Health{}

// Health returns the store's endpoint health.
func (s *Store) Health() Health { return Health{s} }

func (h Health) key() string { return h.s.prefix + "{dq}:health" }

// Record implements callback.Health.
func (h Health) Record(ctx context.Context, endpoint string, ok bool, t time.Time) error {
	if ok {
		return wrap(h.s.rdb.HDel(ctx, h.key(), endpoint).Err())
	}
	return wrap(h.s.rdb.HSetNX(ctx, h.key(), endpoint, t.UnixMilli()).Err())
}

// FailingSince implements callback.Health.
func (h Health) FailingSince(ctx context.Context, endpoint string) (time.Time, error) {
	v, err := h.s.rdb.HGet(ctx, h.key(), endpoint).Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, wrap(err)
	}
	ms, _ := strconv.ParseInt(v, 10, 64)
	return time.UnixMilli(ms), nil
}
