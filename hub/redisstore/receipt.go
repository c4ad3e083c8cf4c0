package redisstore

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/redis/go-redis/v9"
)

// ackScript moves a cid's acknowledgement watermark: one call, in the
// cid's slot, on its record's field "acks" (lua/ack.lua). The reply path
// never reads or writes that field.
var ackScript = luaScript("ack.lua")

// Ack implements hub.Store.
func (s *Store) Ack(ctx context.Context, cid, offset string, at time.Time) error {
	keys := []string{s.key("req", cid), s.key("replies", cid)}
	res, err := s.eval(ctx, ackScript, keys, offset, at.UnixMilli()).Int()
	if err != nil {
		return wrap(err)
	}
	switch res {
	case -1:
		return notFound(cid)
	case -2:
		return hub.Invalid("offset", "%s is past the last reply of cid %s", offset, cid)
	}
	return nil
}

// AckedAt implements hub.Store: one HGET.
func (s *Store) AckedAt(ctx context.Context, cid, offset string) (time.Time, bool, error) {
	v, err := s.rdb.HGet(ctx, s.key("req", cid), "acks").Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, wrap(err)
	}
	at, ok := hub.AckedAt(parseAcks(v), offset)
	return at, ok, nil
}

// parseAcks reads the record's field "acks": "<offset> <unix ms>" pairs.
func parseAcks(v string) []hub.AckStep {
	f := strings.Fields(v)
	steps := make([]hub.AckStep, 0, len(f)/2)
	for i := 0; i+1 < len(f); i += 2 {
		ms, err := strconv.ParseInt(f[i+1], 10, 64)
		if err == nil {
			steps = append(steps, hub.AckStep{Offset: f[i], At: time.UnixMilli(ms).UTC()})
		}
	}
	return steps
}
