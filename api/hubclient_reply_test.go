package api_test

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/callhub/callhub/api/hubclient"
	"github.com/callhub/callhub/hub"
	"github.com/google/go-cmp/cmp"
)

// TestSDKReplyMatchesFrame pins the Go SDK's copy of the reply to the
// hub's one encoding: every field of a frame reaches the SDK's Reply, and
// the SDK declares no field the hub does not send.
func TestSDKReplyMatchesFrame(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 8_000_000, time.UTC)
	r := hub.Reply{CID: "c1", Seq: 2, IsEnd: true, Code: 7, Msg: "m", Data: json.RawMessage(`{"n":1}`),
		File:   &hub.FileRef{ID: "f", Name: "a.txt", Size: 3, SHA256: "abc", URL: "http://127.0.0.1/v1/files/f"},
		Origin: "hub", Offset: "1-2", At: at, Caller: "shop", Prev: "1-1"}
	frame := r.Frame()

	var got hubclient.Reply
	if err := json.Unmarshal(frame, &got); err != nil {
		t.Fatal(err)
	}
	want := hubclient.Reply{CID: "c1", Seq: 2, IsEnd: true, Code: 7, Msg: "m", Data: json.RawMessage(`{"n":1}`),
		File:   &hubclient.File{ID: "f", Name: "a.txt", Size: 3, SHA256: "abc", URL: "http://127.0.0.1/v1/files/f"},
		Origin: hubclient.OriginHub, Offset: "1-2", At: at}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SDK reply decoded from the frame (-want +got):\n%s", diff)
	}

	var hubKeys, sdkKeys map[string]any
	json.Unmarshal(frame, &hubKeys)
	delete(hubKeys, "type")
	b, _ := json.Marshal(got)
	json.Unmarshal(b, &sdkKeys)
	if h, s := slices.Sorted(maps.Keys(hubKeys)), slices.Sorted(maps.Keys(sdkKeys)); !slices.Equal(h, s) {
		t.Errorf("frame fields %v, SDK reply fields %v", h, s)
	}
}
