package api_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub/redisstore"
	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testlog"
	"github.com/callhub/callhub/internal/testwait"
)

// readyzAnswer is /readyz's status and msg, status 0 when it does not
// answer.
func readyzAnswer(t *testing.T, url string) (int, string) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(url + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var body struct{ Msg string }
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Msg
}

// TestReadyzSaysWhy: /readyz's 503 says what is wrong: "pub/sub not
// receiving" while Redis takes writes but the instance's pub/sub
// connection hears nothing (a proxy keeps it open and deaf), which is
// not logged as a store outage, and "store unreachable" once Redis is
// gone.
func TestReadyzSaysWhy(t *testing.T) {
	srv := redistest.Start(t)
	px := redistest.StartProxy(t, srv.Addr)
	st, err := redisstore.Open(redisstore.Config{URL: px.URL(), KeyPrefix: t.Name() + ":"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	logs := &testlog.Buffer{}
	r := newRig(t, rigOptions{store: st, broker: st.Broker(), logger: slog.New(slog.NewTextHandler(logs, nil))})
	testwait.Until(t, "readyz 200", func() bool { status, _ := readyzAnswer(t, r.URL); return status == 200 })

	px.SetDeaf(true)
	var msg string
	testwait.Within(t, 10*time.Second, "readyz 503 while pub/sub is deaf", func() bool {
		var status int
		status, msg = readyzAnswer(t, r.URL)
		return status == http.StatusServiceUnavailable
	})
	if msg != "pub/sub not receiving" {
		t.Errorf("readyz while pub/sub is deaf says %q, want %q", msg, "pub/sub not receiving")
	}
	if strings.Contains(logs.String(), "store unavailable") {
		t.Errorf("a deaf pub/sub was logged as a store outage:\n%s", logs)
	}

	px.SetDeaf(false)
	testwait.Until(t, "readyz 200 once pub/sub hears", func() bool { status, _ := readyzAnswer(t, r.URL); return status == 200 })
	srv.Stop()
	status, msg := readyzAnswer(t, r.URL)
	if status != http.StatusServiceUnavailable || msg != "store unreachable" {
		t.Errorf("readyz with Redis gone = %d %q, want 503 %q", status, msg, "store unreachable")
	}
}
