package api

import (
	"encoding/json"
	"testing"

	"github.com/callhub/callhub/hub"
)

// TestAsyncAnswer: an async request's answer written by hand is byte for
// byte json.Marshal's of its outcomeBody; an outcome it would have to
// escape, or with data, is left to json.Marshal.
func TestAsyncAnswer(t *testing.T) {
	t.Parallel()
	for _, out := range []hub.Outcome{
		{CID: "0b7e3a52-8f1d-4c3e-9a57-000000000001", Seq: 1, Status: 202, Data: json.RawMessage(`""`), WSToken: "wt.1767225600.c2hvcA.abc-_", Async: true},
		{CID: "a:b.c_d", Seq: 12, Status: 200, Async: true},
		{CID: "c", Seq: 1, Status: 202, Data: json.RawMessage(`""`), Async: true},
		{CID: "c<1>", Seq: 1, Status: 202, WSToken: "t", Async: true},
		{CID: "c", Seq: 1, Status: 202, WSToken: "t&\"\\", Async: true},
		{CID: "c", Seq: 1, Status: 202, Data: json.RawMessage(`{"a":1}`), WSToken: "t", Async: true},
		{CID: "c", Seq: 1, Status: 200, Data: json.RawMessage(`""`)},
	} {
		tok := out.WSToken
		want, _ := json.Marshal(outcomeBody{CID: out.CID, Msg: "accepted", Seq: out.Seq, Status: out.Status, Data: out.Data, WSToken: &tok})
		got, ok := asyncAnswer(out)
		plain := out.Async && (out.Data == nil || string(out.Data) == `""`) && plainJSON(out.CID) && plainJSON(out.WSToken)
		if ok != plain || ok && string(got) != string(want) {
			t.Errorf("asyncAnswer(%+v) = %s, %v; want %s, %v", out, got, ok, want, plain)
		}
	}
}
