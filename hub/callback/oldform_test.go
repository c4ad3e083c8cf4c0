package callback

import (
	"net/url"
	"testing"

	"github.com/callhub/callhub/hub"
)

// TestOldForm: the old form carries data's fields and the hub's cid,
// never callhub's own fields; other data travels as one field.
func TestOldForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    hub.Reply
		want string
	}{
		{"object", hub.Reply{CID: "c1", Seq: 2, IsEnd: true, Data: []byte(`{"total":2,"cid":"clients-own","rows":[1,2]}`)},
			"cid=c1&rows=%5B1%2C2%5D&total=2"},
		{"string", hub.Reply{CID: "c1", Data: []byte(`"done"`)}, "cid=c1&data=done"},
		{"none", hub.Reply{CID: "c1"}, "cid=c1"},
		{"failed", hub.Reply{CID: "c1", Code: 502, Msg: "unreachable"}, "cid=c1&code=502&msg=unreachable"},
		{"file", hub.Reply{CID: "c1", File: &hub.FileRef{URL: "http://hub/v1/files/x"}}, "cid=c1&filePath=http%3A%2F%2Fhub%2Fv1%2Ffiles%2Fx"},
	}
	for _, tt := range tests {
		u, _ := url.Parse("http://app/cb?app=1")
		body, ct := oldForm(u, Delivery{Method: "POST", Reply: tt.r})
		if string(body) != tt.want || ct != "application/x-www-form-urlencoded;charset=UTF-8" || u.RawQuery != "app=1" {
			t.Errorf("%s: POST body %q (%s) query %q, want %q", tt.name, body, ct, u.RawQuery, tt.want)
		}
		body, _ = oldForm(u, Delivery{Method: "GET", Reply: tt.r})
		if want := "app=1&" + tt.want; body != nil || u.RawQuery != want {
			t.Errorf("%s: GET query %q body %q, want %q", tt.name, u.RawQuery, body, want)
		}
	}
}
