package callback

import (
	"context"
	"log/slog"
	"time"
)

// logLine writes one log line at level, as d.logger.Log would, without
// the stack walk Logger.Log makes for a source location that no handler
// of the hub shows: an attempt writes a line each time, and that walk
// cost more than the line.
func (d *Deliverer) logLine(level slog.Level, msg string, args ...any) {
	ctx := context.Background()
	if !d.logger.Enabled(ctx, level) {
		return
	}
	r := slog.NewRecord(time.Now(), level, msg, 0)
	r.Add(args...)
	_ = d.logger.Handler().Handle(ctx, r) // a line that cannot be written is not the attempt's error
}
