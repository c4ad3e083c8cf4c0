package redisstore

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
)

// TestEncodeStep: a step encoded by hand is byte for byte what
// json.Marshal makes of it, which older instances read.
func TestEncodeStep(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 7, 16, 42, 8, 123456789, time.UTC)
	zones := []*time.Location{time.UTC, time.FixedZone("x", -5*3600-30*60), time.FixedZone("y", 14*3600)}
	steps := []hub.Step{
		{Seq: 1, IsEnd: true, At: at},
		{Seq: 1, IsEnd: true, Done: true, Status: 202, Data: json.RawMessage(`""`), At: at},
		{Seq: 7, Done: true, Status: 200, Data: json.RawMessage(`{"a": "<b>"}`), At: at},
		{Seq: 2, Done: true, Error: "service s did not answer in time", TimedOut: true, At: at},
		{Seq: 3, Done: true, Status: 204, Data: json.RawMessage(`""`), TimedOut: true, At: at.Truncate(time.Second)},
		{Seq: 4},
		{Seq: 5, At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, st := range steps {
		for _, z := range zones {
			st.At = st.At.In(z)
			want, _ := json.Marshal(st)
			if got := encodeStep(st); string(got) != string(want) {
				t.Errorf("encodeStep(%+v) = %s, want %s", st, got, want)
			}
		}
	}
}
