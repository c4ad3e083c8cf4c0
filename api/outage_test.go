package api

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestOutageLogsOnce: a minute of refusals, ten a second, is one ERROR
// when it begins, a WARN at most every outageWarnEvery, one INFO when it
// ends, and every refusal counted; the next outage is logged anew.
func TestOutageLogsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs bytes.Buffer
		o := &outage{logger: slog.New(slog.NewTextHandler(&logs, nil)),
			refusals: prometheus.NewCounter(prometheus.CounterOpts{Name: "refusals"})}
		down := errors.New("dial tcp 127.0.0.1:6379: connection refused")
		o.up(t.Context()) // no outage: nothing to end
		for range 600 {
			o.refused(t.Context(), down)
			time.Sleep(100 * time.Millisecond) // the bubble's clock: ten refusals a second
		}
		o.probeFailed(t.Context(), down)
		o.up(t.Context())
		o.up(t.Context())
		count := func(level string) int { return strings.Count(logs.String(), "level="+level) }
		if got := count("ERROR"); got != 1 {
			t.Errorf("ERROR lines = %d, want 1:\n%s", got, logs.String())
		}
		if got, max := count("WARN"), int(time.Minute/outageWarnEvery); got < 1 || got > max {
			t.Errorf("WARN lines = %d, want 1 to %d", got, max)
		}
		if got := count("INFO"); got != 1 || !strings.Contains(logs.String(), "refused=600") {
			t.Errorf("INFO lines = %d, want 1 saying refused=600:\n%s", got, logs.String())
		}
		var m dto.Metric
		o.refusals.Write(&m)
		if got := m.GetCounter().GetValue(); got != 600 {
			t.Errorf("refusals = %v, want 600", got)
		}
		o.refused(t.Context(), down)
		if got := count("ERROR"); got != 2 {
			t.Errorf("ERROR lines after a second outage = %d, want 2", got)
		}
	})
}
