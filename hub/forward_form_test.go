package hub

import (
	"net/url"
	"testing"
)

// TestFormBody: the form of a request without form fields is byte for
// byte what url.Values.Encode makes of the step's parameters, and one
// with form fields is that encoding itself.
func TestFormBody(t *testing.T) {
	t.Parallel()
	h := &Hub{tokens: Tokens{Secret: []byte("k")}}
	end := false
	for _, req := range []Request{
		{CID: "c1", Seq: 1},
		{CID: "c1", Seq: 1, Async: true},
		{CID: "a:b.c_d-e", Seq: 3, Async: true, IsEnd: &end},
		{CID: "c2", Seq: 2, Async: true, Form: map[string]any{"b": "x y", "a": []any{"1", "2"}, "cid": "theirs"}},
		{CID: "c3", Seq: 1, Form: map[string]any{"z": "&="}},
	} {
		want := url.Values{}
		addValues(want, req.Form)
		h.setStepParams(want, req)
		if got := h.formBody(req); got != want.Encode() {
			t.Errorf("formBody(%+v) = %s, want %s", req, got, want.Encode())
		}
	}
}
