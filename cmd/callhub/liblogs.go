package main

import (
	"log"
	"log/slog"

	"github.com/callhub/callhub/hub/redisstore"
	"go.opentelemetry.io/otel"
)

// libraryLogs sends what libraries log on their own through logger, at
// warn, so that every line on stderr has the configured format (with
// log.format json, every line is JSON): go-redis's lines (a pool that
// cannot dial during an outage), OpenTelemetry's export errors, and
// anything written with the standard log package. Each of these is
// process-wide: main sets them once, for the hub it runs.
func libraryLogs(logger *slog.Logger) {
	redisstore.SetLibraryLogger(logger)
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		logger.Warn("tracing", "lib", "otel", "err", err)
	}))
	log.SetFlags(0)
	log.SetOutput(slog.NewLogLogger(logger.Handler(), slog.LevelWarn).Writer())
}
