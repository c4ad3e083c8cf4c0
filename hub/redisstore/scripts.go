package redisstore

import (
	"context"
	"embed"

	"github.com/redis/go-redis/v9"
)

//go:embed lua/*.lua
var luaFiles embed.FS

// luaScript is the script in lua/name.
func luaScript(name string) *redis.Script {
	b, err := luaFiles.ReadFile("lua/" + name)
	if err != nil {
		panic("redisstore: " + err.Error()) // embedded: cannot happen
	}
	return redis.NewScript(string(b))
}

// scriptCall is one run of a script.
type scriptCall struct {
	keys []string
	args []any
}

// evalAll runs calls of sc in one pipeline (on a Cluster, one per master,
// sent together) and answers their commands in order. When Redis does
// not know the script yet it loads it (on every master) and runs the
// pipeline again; the scripts that use it are idempotent.
func (s *Store) evalAll(ctx context.Context, sc *redis.Script, calls []scriptCall) ([]*redis.Cmd, error) {
	cmds := make([]*redis.Cmd, len(calls))
	for range 2 {
		pipe := s.rdb.Pipeline()
		for i, c := range calls {
			cmds[i] = sc.EvalSha(ctx, pipe, c.keys, c.args...)
		}
		_, err := pipe.Exec(ctx)
		if !redis.HasErrorPrefix(err, "NOSCRIPT") {
			return cmds, nil
		}
		if err := sc.Load(ctx, s.rdb).Err(); err != nil {
			return nil, wrap(err)
		}
	}
	return cmds, nil
}
