package hub

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTokenLayout: each token is built in one buffer, byte for byte the
// token the pieces joined make, so tokens issued by an older instance
// and by this one read alike.
func TestTokenLayout(t *testing.T) {
	t.Parallel()
	tk := &Tokens{Secret: []byte("s3cret")}
	exp := time.Unix(1767225600, 0)
	long := strings.Repeat("c", 128)
	for _, cid := range []string{"c1", "0b7e3a52-8f1d-4c3e-9a57-000000000001", long} {
		if got, want := tk.ReplyToken(cid), "rt."+tk.mac("reply", cid); got != want {
			t.Errorf("ReplyToken(%s) = %s, want %s", cid, got, want)
		}
		for _, caller := range []string{"shop", strings.Repeat("k", 100)} {
			e := strconv.FormatInt(exp.Unix(), 10)
			want := "wt." + e + "." + base64.RawURLEncoding.EncodeToString([]byte(caller)) + "." + tk.mac("ws", cid, caller, e)
			if got := tk.WSToken(cid, caller, exp); got != want {
				t.Errorf("WSToken(%s, %s) = %s, want %s", cid, caller, got, want)
			}
		}
		for _, end := range []bool{false, true} {
			step := "7"
			if end {
				step += "e"
			}
			want := "cb." + base64.RawURLEncoding.EncodeToString([]byte(cid)) + "." + step + "." + tk.mac("callbackId", cid, step)
			if got := tk.CallbackID(cid, 7, end); got != want {
				t.Errorf("CallbackID(%s, 7, %v) = %s, want %s", cid, end, got, want)
			}
		}
	}
}
