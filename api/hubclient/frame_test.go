package hubclient_test

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/callhub/callhub/api/hubclient"
)

// pinnedFrame is a reply frame with a file, byte for byte as the hub
// writes it (hub.Reply.Frame); the hub's api tests pin Reply to the live
// encoding.
const pinnedFrame = `{"type":"reply","cid":"c1","seq":2,"isEnd":true,"code":7,"msg":"m","data":{"n":1},` +
	`"file":{"id":"f","name":"a.txt","size":3,"sha256":"abc","url":"http://127.0.0.1/v1/files/f"},` +
	`"origin":"hub","offset":"1-2","at":"2026-03-04T05:06:07.008Z"}`

func TestReplyDecodesPinnedFrame(t *testing.T) {
	var got hubclient.Reply
	if err := json.Unmarshal([]byte(pinnedFrame), &got); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 4, 5, 6, 7, 8_000_000, time.UTC)
	if got.CID != "c1" || got.Seq != 2 || !got.IsEnd || got.Code != 7 || got.Msg != "m" || string(got.Data) != `{"n":1}` ||
		got.Origin != hubclient.OriginHub || got.Offset != "1-2" || !got.At.Equal(at) {
		t.Errorf("Reply = %+v", got)
	}
	if f := got.File; f == nil || *f != (hubclient.File{ID: "f", Name: "a.txt", Size: 3, SHA256: "abc", URL: "http://127.0.0.1/v1/files/f"}) {
		t.Errorf("File = %+v", got.File)
	}
	var frame, sdk map[string]any
	json.Unmarshal([]byte(pinnedFrame), &frame)
	delete(frame, "type")
	b, _ := json.Marshal(got)
	json.Unmarshal(b, &sdk)
	if f, s := slices.Sorted(maps.Keys(frame)), slices.Sorted(maps.Keys(sdk)); !slices.Equal(f, s) {
		t.Errorf("frame fields %v, Reply fields %v", f, s)
	}
}
