package callback_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/internal/testlog"
)

// finishedLines are the "delivery finished" lines of log, by delivery id.
func finishedLines(t *testing.T, log string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if m["msg"] == "delivery finished" {
			out[m["delivery"].(string)] = m
		}
	}
	return out
}

// TestDeliveryFinishedLevels checks that a delivery delivered at its
// first attempt says so at DEBUG only, and one delivered after a failed
// attempt, or failed for good, at INFO.
func TestDeliveryFinishedLevels(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		t.Run(level.String(), func(t *testing.T) {
			var mu sync.Mutex
			lateTries := 0
			h := newHook(t, func(_ int, _ http.ResponseWriter, r *http.Request) int {
				switch r.Header.Get("Callhub-Cid") {
				case "gone":
					return http.StatusGone
				case "late":
					mu.Lock()
					defer mu.Unlock()
					if lateTries++; lateTries == 1 {
						return 500
					}
				}
				return 204
			})
			var buf testlog.Buffer
			logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: level}))
			d, q := startDeliverer(t, callback.Config{Callers: []callback.Caller{shop(h)},
				Schedule: []time.Duration{time.Millisecond}, Logger: logger})
			cb := hub.Callback{URL: "/cb", Method: "POST"}
			enqueue(t, d, "shop", "first", 1, cb, `{}`)
			enqueue(t, d, "shop", "late", 1, cb, `{}`)
			enqueue(t, d, "shop", "gone", 1, cb, `{}`)
			waitState(t, q, "first.1", callback.Delivered)
			waitState(t, q, "late.1", callback.Delivered)
			waitState(t, q, "gone.1", callback.Failed)

			lines := finishedLines(t, buf.String())
			first, ok := lines["first.1"]
			if level == slog.LevelInfo && ok {
				t.Errorf("a first-attempt delivery logged at %v: %v", first["level"], first)
			}
			if level == slog.LevelDebug && (!ok || first["level"] != "DEBUG" || first["attempts"] != 1.0) {
				t.Errorf("first-attempt delivery's line = %v, want one at DEBUG with attempts 1", first)
			}
			if l := lines["late.1"]; l["level"] != "INFO" || l["state"] != callback.Delivered || l["attempts"] != 2.0 {
				t.Errorf("delivered-after-a-failure line = %v, want INFO, delivered, attempts 2", l)
			}
			if l := lines["gone.1"]; l["level"] != "INFO" || l["state"] != callback.Failed {
				t.Errorf("failed-for-good line = %v, want INFO, failed", l)
			}
		})
	}
}
