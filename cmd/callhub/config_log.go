package main

import "log/slog"

// LogConfig is the log section: how the hub writes its log to stderr.
type LogConfig struct {
	// Format is "text" (the default, logfmt-like) or "json" (one JSON
	// object per line).
	Format string `yaml:"format,omitempty"`
	// Level is the least severe level written: debug, info (the default),
	// warn or error.
	Level string `yaml:"level,omitempty"`
}

// logLevels maps each log.level the config takes to its slog level.
var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError,
}

// validateLog checks the log section.
func (c *Config) validateLog(p *problems) {
	if f := c.Log.Format; f != "text" && f != "json" {
		p.add("log.format", "must be text or json, got %q", f)
	}
	if _, ok := logLevels[c.Log.Level]; !ok {
		p.add("log.level", "must be debug, info, warn or error, got %q", c.Log.Level)
	}
}

// newLogger is the hub's one logger, writing through buf as the log
// section says. Only main builds a handler; every package gets this
// logger.
func newLogger(buf *logBuffer, lc LogConfig) *slog.Logger {
	opts := &slog.HandlerOptions{Level: logLevels[lc.Level]}
	var h slog.Handler = slog.NewTextHandler(buf, opts)
	if lc.Format == "json" {
		h = slog.NewJSONHandler(buf, opts)
	}
	return slog.New(flushingHandler{h, buf})
}
