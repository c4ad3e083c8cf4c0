package callback

import (
	"net/url"
	"testing"

	"github.com/callhub/callhub/hub"
)

// TestCallbackQuery: a GET callback spreads the top-level fields of an
// object's data beside cid, seq, isEnd, code and msg, which win; data
// that is not an object, or none, sends those five alone, as
// docs/callbacks.md says.
func TestCallbackQuery(t *testing.T) {
	t.Parallel()
	const five = "cid=c1&code=0&isEnd=true&msg=m&seq=2"
	tests := []struct {
		name, data, want string
	}{
		{"object", `{"n":1,"s":"x","seq":9,"o":{"a":[1]}}`, "cid=c1&code=0&isEnd=true&msg=m&n=1&o=%7B%22a%22%3A%5B1%5D%7D&s=x&seq=2"},
		{"array", `[1,2]`, five},
		{"string", `"text"`, five},
		{"number", `42`, five},
		{"true", `true`, five},
		{"null", `null`, five},
		{"none", ``, five},
	}
	for _, tt := range tests {
		r := hub.Reply{CID: "c1", Seq: 2, IsEnd: true, Msg: "m", Data: []byte(tt.data)}
		if got := callbackQuery(url.Values{}, r).Encode(); got != tt.want {
			t.Errorf("%s: query = %s, want %s", tt.name, got, tt.want)
		}
	}
}
