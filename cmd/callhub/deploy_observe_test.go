package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/callhub/callhub/internal/testwait"
)

// TestAlertRulesValid runs promtool over deploy/alerts.yml. Without
// promtool (Debian's prometheus package) it skips, or fails under CI=true.
func TestAlertRulesValid(t *testing.T) {
	bin, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool not installed (apt-get install prometheus)")
		}
		t.Skip("SKIP: promtool not installed (apt-get install prometheus); deploy/alerts.yml NOT CHECKED")
	}
	out, err := exec.Command(bin, "check", "rules", "../../deploy/alerts.yml").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SUCCESS") {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}

// seriesName matches a callhub series name in a rule or a panel query.
var seriesName = regexp.MustCompile(`\bcallhub_[a-z_]+\b`)

// TestDashboardAndAlertsUseExposedSeries: every callhub series the
// dashboard and the alerts query is one a running hub exposes, so a
// renamed metric cannot leave a blank panel or a silent alert.
func TestDashboardAndAlertsUseExposedSeries(t *testing.T) {
	h, stop := startLogHub(t)
	defer stop()
	exposed := exposedSeries(t, h)
	for _, file := range []string{"../../deploy/alerts.yml", "../../deploy/grafana-dashboard.json"} {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(file, ".json") && !json.Valid(raw) {
			t.Fatalf("%s is not JSON", file)
		}
		names := seriesName.FindAllString(string(raw), -1)
		if len(names) == 0 {
			t.Fatalf("%s queries no callhub series", file)
		}
		for _, n := range names {
			if !exposed[n] {
				t.Errorf("%s queries %s, which /metrics does not expose", file, n)
			}
		}
	}
}

// exposedSeries sends a request, a reply and (through its callback) an
// attempt through h, then returns the series names /metrics shows,
// histograms with their _bucket, _sum and _count.
func exposedSeries(t *testing.T, h *logHub) map[string]bool {
	t.Helper()
	st, out := h.send(t, "POST", "/v1/requests", logCallerKey, map[string]any{"serviceId": "svc", "path": "/a",
		"async": true, "callback": map[string]any{"url": "/hook"}})
	if st != 202 {
		t.Fatalf("async request = %d %v", st, out)
	}
	if st, _ := h.send(t, "POST", "/v1/replies/"+out["cid"].(string), logServiceKey, map[string]any{"seq": 1}); st != 202 {
		t.Fatalf("reply = %d", st)
	}
	var text string
	testwait.Until(t, "the forward in /metrics", func() bool {
		resp, err := http.Get(h.url + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		text = string(b)
		return strings.Contains(text, "callhub_forward_duration_seconds_bucket{")
	})
	names := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			names[f[2]] = true
			if f[3] == "histogram" {
				names[f[2]+"_bucket"], names[f[2]+"_sum"], names[f[2]+"_count"] = true, true, true
			}
		}
	}
	return names
}
