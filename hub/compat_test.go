package hub_test

import (
	"strings"
	"testing"

	"github.com/callhub/callhub/hub"
)

// TestSameSHA256: plain hex in either case and the old Java client's
// unpadded form match; anything else does not.
func TestSameSHA256(t *testing.T) {
	t.Parallel()
	sum := "0a0b0c" + strings.Repeat("ff", 29)
	tests := []struct {
		declared string
		want     bool
	}{
		{sum, true},
		{strings.ToUpper(sum), true},
		{"abc" + strings.Repeat("ff", 29), true}, // Integer.toHexString per byte
		{"ABC" + strings.Repeat("FF", 29), true},
		{"0abc" + strings.Repeat("ff", 29), false},
		{"abc" + strings.Repeat("ff", 28), false},
		{"", false},
		{strings.Repeat("0", 64), false},
	}
	for _, tt := range tests {
		if got := hub.SameSHA256(tt.declared, sum); got != tt.want {
			t.Errorf("SameSHA256(%q) = %v, want %v", tt.declared, got, tt.want)
		}
	}
}

// TestCallbackID: a callbackId names its cid and step, and one altered,
// or signed with another secret, is refused.
func TestCallbackID(t *testing.T) {
	t.Parallel()
	tok := &hub.Tokens{Secret: []byte("s1")}
	cid := "a.b:c-1_2"
	id := tok.CallbackID(cid, 3, true)
	step, ok := tok.CheckCallbackID(id)
	if !ok || step != (hub.CallbackStep{CID: cid, Seq: 3, IsEnd: true}) {
		t.Fatalf("CheckCallbackID = %+v %v, want cid %s step 3, end", step, ok, cid)
	}
	if tok.CallbackID(cid, 3, false) == id || tok.CallbackID(cid, 4, true) == id || tok.CallbackID("other", 3, true) == id {
		t.Error("callbackIds of different steps are equal")
	}
	parts := strings.Split(id, ".")
	bad := []string{"", "cb", id + "x", "cb." + parts[1] + ".03e." + parts[3], "cb." + parts[1] + ".3." + parts[3],
		(&hub.Tokens{Secret: []byte("s2")}).CallbackID(cid, 3, true)}
	for _, b := range bad {
		if _, ok := tok.CheckCallbackID(b); ok {
			t.Errorf("CheckCallbackID(%q) accepted", b)
		}
	}
}
