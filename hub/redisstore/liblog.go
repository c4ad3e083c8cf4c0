package redisstore

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/redis/go-redis/v9"
)

// SetLibraryLogger sends go-redis's own log lines (a pool that cannot
// dial, a pub/sub connection that broke) to logger, at warn, with
// lib=go-redis, instead of go-redis's plain text on stderr: with a JSON
// handler every line is JSON. go-redis keeps one logger per process, so
// this is for main, once; the last call wins.
func SetLibraryLogger(logger *slog.Logger) { redis.SetLogger(libLogger{logger}) }

// libLogger is go-redis's logging interface over a slog.Logger.
type libLogger struct{ l *slog.Logger }

func (g libLogger) Printf(ctx context.Context, format string, v ...any) {
	g.l.LogAttrs(ctx, slog.LevelWarn, strings.TrimSpace(fmt.Sprintf(format, v...)), slog.String("lib", "go-redis"))
}
