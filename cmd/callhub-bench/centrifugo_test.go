package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestReceiveCountsEveryPublication: Centrifugo may put several
// publications in one WebSocket message, one JSON object a line; each
// counts, and a warm-up among them marks the subscriber warm.
func TestReceiveCountsEveryPublication(t *testing.T) {
	msg := []byte(`{"push":{"channel":"id0","pub":{"data":{"bench_t":0},"offset":1}}}` + "\n" +
		`{"push":{"channel":"id0","pub":{"data":{"bench_t":1700000000000000000},"offset":2}}}` + "\n" +
		`{"push":{"channel":"id0","pub":{"data":{"bench_t":1700000000000000001},"offset":3}}}`)
	c := &crowd{perID: 1}
	m := &member{}
	c.receive(m, msg)
	if got := c.delivered.Load(); got != 2 {
		t.Errorf("delivered = %d, want 2 (two stamped publications)", got)
	}
	if !m.warm.Load() {
		t.Error("the warm-up publication did not mark the subscriber warm")
	}
	if got := c.last.Load(); got == 0 {
		t.Error("no delivery time recorded")
	}
}

// TestCentrifugoPinged: a ping is answered whether it comes alone or in
// one message with publications.
func TestCentrifugoPinged(t *testing.T) {
	pub := `{"push":{"channel":"id0","pub":{"data":{"bench_t":1}}}}`
	for msg, want := range map[string]bool{
		"{}":                    true,
		"{}\n" + pub:            true,
		pub + "\n{}":            true,
		pub + "\n{}\n" + pub:    true,
		pub:                     false,
		`{"id":1,"connect":{}}`: false,
		"":                      false,
	} {
		if got := centrifugoPinged([]byte(msg)); got != want {
			t.Errorf("centrifugoPinged(%q) = %v, want %v", msg, got, want)
		}
	}
}

// TestCentrifugoPublishBody: the HTTP API body names the channel, escaped
// as JSON escapes it (a quote, non-ASCII, a control character), and
// carries the stamped data as JSON.
func TestCentrifugoPublishBody(t *testing.T) {
	var body struct {
		Channel string         `json:"channel"`
		Data    map[string]int `json:"data"`
	}
	if err := json.Unmarshal(centrifugoPublish("id\"7\u00e9\x01", []byte(`{"bench_t":42}`)), &body); err != nil {
		t.Fatal(err)
	}
	if body.Channel != "id\"7\u00e9\x01" || body.Data["bench_t"] != 42 {
		t.Errorf("body = %+v", body)
	}
}

// TestFanoutCentrifugo runs the Centrifugo baselines beside the hub when
// CALLHUB_BENCH_CENTRIFUGO names a Centrifugo v6 binary: every message
// reaches every subscriber and the report compares the two. Centrifugo is
// an optional reference, not something the project needs: without the
// variable the test is skipped.
func TestFanoutCentrifugo(t *testing.T) {
	bin := os.Getenv("CALLHUB_BENCH_CENTRIFUGO")
	if bin == "" {
		t.Skip("CALLHUB_BENCH_CENTRIFUGO is not set: no Centrifugo baseline to check")
	}
	modes := testModes(t)
	if strings.Contains(modes, modeRedis1) {
		modes += "," + modeRedis2 // two Centrifugo nodes on one Redis
	}
	r := runScenario(t, "fanout", "-subs", "5", "-modes", modes, "-centrifugo", bin)
	if want := len(baselinesOf(strings.Split(modes, ","), centrifugoOf)); len(r.Result.Centrifugo) != want {
		t.Fatalf("fanout reported %d centrifugo baselines, want %d", len(r.Result.Centrifugo), want)
	}
	for _, m := range r.Result.Centrifugo {
		checkMode(t, m, 1)
	}
	for _, m := range r.Result.Modes {
		if v, ok := r.Result.VsCentrifugo[m.Mode]; !ok || v.MsgPerS <= 0 {
			t.Errorf("vs_centrifugo for %s: %+v", m.Mode, r.Result.VsCentrifugo)
		}
	}
}
