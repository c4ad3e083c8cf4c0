package hub

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

// TestFrameParts: the parts a Store fills in rebuild exactly the frame the
// reply encodes, whatever its data holds.
func TestFrameParts(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	tests := []struct {
		name string
		r    Reply
	}{
		{"minimal", Reply{CID: "c1", IsEnd: true}},
		{"data and file", Reply{CID: "c2", Code: 3, Msg: `say "hi"`, Data: json.RawMessage(`{"a":[1,2]}`),
			File: &FileRef{ID: "f", Name: "x.txt", Size: 9, SHA256: "ab", URL: "http://127.0.0.1/f"}, At: at}},
		{"data that looks like seq and offset", Reply{CID: "c3",
			Data: json.RawMessage(`{"seq":0,"offset":"","x":"\"offset\":\""}`),
			Msg:  `"seq":1`, Origin: "hub", At: at}},
		{"caller and prev stay out", Reply{CID: "c4", Caller: "shop", Prev: "1-0", At: at}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head, mid, tail, ok := tt.r.FrameParts()
			if !ok {
				t.Fatal("FrameParts: the reply does not encode")
			}
			want := tt.r
			want.Seq, want.Offset = 17, "1764-3"
			got := bytes.Join([][]byte{head, []byte(strconv.Itoa(want.Seq)), mid, []byte(want.Offset), tail}, nil)
			if w := want.Frame(); !bytes.Equal(got, w) {
				t.Errorf("parts rebuild\n%s\nwant\n%s", got, w)
			}
		})
	}
}

// TestMessageRoundTrip: a broker message carries the routing fields in its
// header and the frame as it is; ParseMessage recovers the whole reply.
func TestMessageRoundTrip(t *testing.T) {
	r := Reply{CID: "c1", Seq: 4, IsEnd: true, Code: 2, Msg: "m", Data: json.RawMessage(`{"n":4}`),
		Offset: "10-2", Prev: "10-1", Caller: "the shop", At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
	msg := r.message()
	got, err := decodeMessage(msg)
	if err != nil {
		t.Fatal(err)
	}
	if got.CID != r.CID || got.Seq != 4 || !got.IsEnd || got.Offset != r.Offset || got.Prev != r.Prev ||
		got.Caller != r.Caller || got.TraceParent != r.TraceParent || !bytes.Equal(got.Frame(), r.Frame()) {
		t.Errorf("decodeMessage = %+v, want the routing fields of %+v and its frame", got, r)
	}
	full, err := ParseMessage(msg)
	if err != nil {
		t.Fatal(err)
	}
	full.frame = nil
	if b1, b2 := full.Frame(), r.Frame(); !bytes.Equal(b1, b2) || full.Caller != r.Caller || full.Prev != r.Prev {
		t.Errorf("ParseMessage = %+v, want %+v", full, r)
	}
	for _, bad := range []string{"", "c1 4 1\n{}", "c1 x 1 1-0  shop\n{}", "no newline"} {
		if _, err := decodeMessage([]byte(bad)); err == nil {
			t.Errorf("decodeMessage(%q) accepted", bad)
		}
	}
}

func TestValidTraceParent(t *testing.T) {
	for tp, want := range map[string]bool{
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01":  true,
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0":   false,
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01":  false,
		"00-4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7-01":  false, // a space would split the header
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7\n01": false,
		"": false,
	} {
		if got := validTraceParent(tp); got != want {
			t.Errorf("validTraceParent(%q) = %v, want %v", tp, got, want)
		}
	}
}
