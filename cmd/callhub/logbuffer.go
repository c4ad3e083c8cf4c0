package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Log lines a serving hub holds back: at most logBufferSize bytes, for
// at most logFlushInterval.
const (
	logBufferSize    = 64 << 10
	logFlushInterval = 100 * time.Millisecond
)

// logBuffer is the hub's log output while it serves. Lines gather in a
// buffer that is written when full, logFlushInterval after the first
// line of a batch, at once for a warning or an error (with every line
// before it, see flushingHandler), and on Close. Under load the access
// log then costs a few large writes instead of a write per request, as
// nginx's access_log buffer= does; an idle hub's lines are at most
// logFlushInterval late.
type logBuffer struct {
	mu    sync.Mutex
	w     *bufio.Writer
	timer *time.Timer
}

func newLogBuffer(w io.Writer) *logBuffer {
	b := &logBuffer{w: bufio.NewWriterSize(w, logBufferSize)}
	b.timer = time.AfterFunc(logFlushInterval, func() { b.Flush() })
	b.timer.Stop()
	return b
}

// Write holds p (one log line; slog writes each record in one call).
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.w.Buffered() == 0 {
		b.timer.Reset(logFlushInterval)
	}
	return b.w.Write(p)
}

// Flush writes out what is held.
func (b *logBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Flush()
}

// Close writes out what is held and stops the timer; later lines are
// held until the next Flush.
func (b *logBuffer) Close() error {
	b.timer.Stop()
	return b.Flush()
}

// flushingHandler writes a record at warn or above through its buffer at
// once: what needs attention is never held back.
type flushingHandler struct {
	slog.Handler
	buf *logBuffer
}

func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		if ferr := h.buf.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (h flushingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushingHandler{h.Handler.WithAttrs(attrs), h.buf}
}

func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{h.Handler.WithGroup(name), h.buf}
}
