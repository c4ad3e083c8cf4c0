package main

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"
)

// keyMemory is what the keys of one pattern hold at the end of a run
// (MEMORY USAGE, every element counted): a cid's keys have the cid
// replaced by *, so each pattern is one key per cid or one shared key.
type keyMemory struct {
	Pattern     string  `json:"pattern"`
	Keys        int     `json:"keys"`
	BytesPerKey float64 `json:"bytes_per_key"`
	Bytes       int64   `json:"bytes"`
}

// keyMemories reads every key of each node and sums MEMORY USAGE by
// pattern, largest first.
func keyMemories(ctx context.Context, addrs []string) ([]keyMemory, error) {
	by := map[string]*keyMemory{}
	for _, a := range addrs {
		rdb := redis.NewClient(&redis.Options{Addr: a})
		err := nodeKeyMemory(ctx, rdb, by)
		rdb.Close()
		if err != nil {
			return nil, fmt.Errorf("memory usage on %s: %w", a, err)
		}
	}
	out := make([]keyMemory, 0, len(by))
	for _, k := range by {
		k.BytesPerKey = round(float64(k.Bytes)/float64(k.Keys), 1)
		out = append(out, *k)
	}
	slices.SortFunc(out, func(a, b keyMemory) int { return cmp.Compare(b.Bytes, a.Bytes) })
	return out, nil
}

// nodeKeyMemory adds one node's keys to by, a SCAN page at a time.
func nodeKeyMemory(ctx context.Context, rdb *redis.Client, by map[string]*keyMemory) error {
	var cursor uint64
	for {
		keys, next, err := rdb.Scan(ctx, cursor, "", 1000).Result()
		if err != nil {
			return err
		}
		pipe := rdb.Pipeline()
		usage := make([]*redis.IntCmd, len(keys))
		for i, k := range keys {
			usage[i] = pipe.MemoryUsage(ctx, k, 0)
		}
		if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
			return err
		}
		for i, k := range keys {
			p := keyPattern(k)
			if by[p] == nil {
				by[p] = &keyMemory{Pattern: p}
			}
			by[p].Keys++
			by[p].Bytes += usage[i].Val()
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// keyPattern names a key's kind: its cids become *, and so does a URL in
// it (a callback origin).
func keyPattern(key string) string {
	key = uuidRE.ReplaceAllString(key, "*")
	if i := strings.Index(key, "://"); i >= 0 {
		j := strings.LastIndexByte(key[:i], ':')
		key = key[:j+1] + "*"
	}
	return key
}
