package main

import (
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/callhub/callhub/internal/testlog"
)

// TestLogBufferHoldsInfoLines: an info line is held, then written
// logFlushInterval after it, not before; lines written meanwhile go out
// with it.
func TestLogBufferHoldsInfoLines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := &testlog.Buffer{}
		buf := newLogBuffer(out)
		defer buf.Close()
		log := newLogger(buf, LogConfig{Format: "text", Level: "info"})
		log.Info("first")
		time.Sleep(logFlushInterval / 2)
		log.Info("second")
		synctest.Wait()
		if got := out.String(); got != "" {
			t.Fatalf("written before the interval: %q", got)
		}
		time.Sleep(logFlushInterval / 2)
		synctest.Wait()
		if got := out.String(); !strings.Contains(got, "msg=first") || !strings.Contains(got, "msg=second") {
			t.Fatalf("after the interval the log holds %q, want both lines", got)
		}
	})
}

// TestLogBufferWarnAtOnce: a warning is written at once, after the info
// lines held before it, in order.
func TestLogBufferWarnAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := &testlog.Buffer{}
		buf := newLogBuffer(out)
		defer buf.Close()
		log := newLogger(buf, LogConfig{Format: "json", Level: "info"}).With("instance", "a")
		log.Info("held")
		log.Warn("urgent")
		got := out.String()
		held, urgent := strings.Index(got, `"msg":"held"`), strings.Index(got, `"msg":"urgent"`)
		if held < 0 || urgent < held || !strings.Contains(got, `"instance":"a"`) {
			t.Fatalf("after a warning the log holds %q, want the held line, then the warning", got)
		}
	})
}

// TestLogBufferCloseAndFull: Close writes what is held; a buffer filled
// past its size writes without waiting for the interval.
func TestLogBufferCloseAndFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := &testlog.Buffer{}
		buf := newLogBuffer(out)
		log := slog.New(slog.NewTextHandler(buf, nil))
		log.Info("held")
		buf.Close()
		if !strings.Contains(out.String(), "msg=held") {
			t.Fatalf("after Close the log holds %q", out.String())
		}

		out = &testlog.Buffer{}
		buf = newLogBuffer(out)
		defer buf.Close()
		log = slog.New(slog.NewTextHandler(buf, nil))
		line := strings.Repeat("x", 1000)
		for range logBufferSize/len(line) + 1 {
			log.Info(line)
		}
		if out.String() == "" {
			t.Fatal("a full buffer was not written")
		}
	})
}
