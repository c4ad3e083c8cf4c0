package hub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// checkReplyJSON fails t unless r's hand-made JSON form, frame and broker
// message are byte for byte what json.Marshal makes, and appendJSON
// refuses exactly the replies json.Marshal cannot encode.
func checkReplyJSON(t *testing.T, r Reply) {
	t.Helper()
	want, err := json.Marshal(&r)
	got, ok := r.appendJSON([]byte("prefix"))
	if ok != (err == nil) {
		t.Fatalf("appendJSON ok = %v, json.Marshal err = %v, for %#v", ok, err, r)
	}
	if !ok {
		if string(got) != "prefix" {
			t.Fatalf("appendJSON refused but changed b to %q", got)
		}
		return
	}
	if !bytes.Equal(got, append([]byte("prefix"), want...)) {
		t.Fatalf("appendJSON =\n%s\njson.Marshal =\n%s", got[len("prefix"):], want)
	}
	if j := r.JSON(); !bytes.Equal(j, want) {
		t.Fatalf("JSON =\n%s\nwant\n%s", j, want)
	}
	if f, w := r.Frame(), frameOf(want); !bytes.Equal(f, w) {
		t.Fatalf("Frame =\n%s\nwant\n%s", f, w)
	}
	if c, w := r.CallbackBody(), callbackWant(t, r); !bytes.Equal(c, w) {
		t.Fatalf("CallbackBody =\n%s\nwant\n%s", c, w)
	}
	hdr := fmt.Appendf(nil, MessageTemplate(r.CID, r.IsEnd), strconv.Itoa(r.Seq), r.Offset, r.Prev, r.TraceParent, r.Caller)
	if m, w := r.message(), append(append(hdr, '\n'), frameOf(want)...); !bytes.Equal(m, w) {
		t.Fatalf("message =\n%s\nwant\n%s", m, w)
	}
}

// callbackWant is what json.Marshal makes of r as a callback body: the
// JSON form with data and file never omitted.
func callbackWant(t *testing.T, r Reply) []byte {
	t.Helper()
	body := struct {
		CID    string          `json:"cid"`
		Seq    int             `json:"seq"`
		IsEnd  bool            `json:"isEnd"`
		Code   int             `json:"code"`
		Msg    string          `json:"msg"`
		Data   json.RawMessage `json:"data"`
		File   *FileRef        `json:"file"`
		Offset string          `json:"offset"`
		At     time.Time       `json:"at"`
	}{r.CID, r.Seq, r.IsEnd, r.Code, r.Msg, r.Data, r.File, r.Offset, r.At}
	if len(body.Data) == 0 {
		body.Data = nil // absent, as omitempty has it
	}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReplyJSONEdges: the corners of encoding/json's output the hand
// encoder must match: escaping, Data compacted and HTML-escaped, omitted
// fields, times RFC 3339 cannot hold.
func TestReplyJSONEdges(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	var ctl strings.Builder
	for c := range 0x80 {
		ctl.WriteByte(byte(c))
	}
	file := &FileRef{ID: "f<1>", Name: "a&b\u2028.txt", Size: -5, SHA256: "\xff", URL: "http://127.0.0.1/f?a=1&b=2"}
	tests := []struct {
		name string
		r    Reply
	}{
		{"zero", Reply{}},
		{"every ASCII byte", Reply{CID: ctl.String(), Msg: ctl.String(), Offset: ctl.String(), At: at}},
		{"separators and invalid UTF-8", Reply{Msg: "a\u2028b\u2029c\xffd\xe2\x80e\xed\xa0\x80\xf4\x90\x80\x80é中😀", At: at}},
		{"extreme ints", Reply{Seq: math.MinInt, Code: math.MaxInt, IsEnd: true, At: at}},
		{"empty data omitted", Reply{Data: json.RawMessage{}, At: at}},
		{"data compacted and HTML-escaped", Reply{Data: json.RawMessage(" {\"a b\" : [ 1 ,\t\"<x>&\u2028\u2029\" ,\n null ] ,\r\"\\\" <\":\"\xff\"} "), At: at}},
		{"data escapes kept", Reply{Data: json.RawMessage(`["\\", "\" ", "\u003c \n"]`), At: at}},
		{"data scalar", Reply{Data: json.RawMessage(` -1.5e3 `), At: at}},
		{"data null", Reply{Data: json.RawMessage(`null`), At: at}},
		{"data invalid", Reply{Data: json.RawMessage(`{"a":`), At: at}},
		{"data only space", Reply{Data: json.RawMessage(" "), At: at}},
		{"data two values", Reply{Data: json.RawMessage(`1 2`), At: at}},
		{"file", Reply{File: file, At: at}},
		{"empty file", Reply{File: &FileRef{}, At: at}},
		{"nanoseconds trimmed", Reply{At: time.Date(2026, 1, 2, 3, 4, 5, 120, time.UTC)}},
		{"zone with seconds", Reply{At: time.Date(1900, 1, 2, 3, 4, 5, 1, time.FixedZone("LMT", -(3600+59)))}},
		{"zone 23:59", Reply{At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", 24*3600-60))}},
		{"zone 24:00", Reply{At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", 24*3600))}},
		{"zone -24:00", Reply{At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", -24*3600))}},
		{"year 0", Reply{At: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"year 9999", Reply{At: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)}},
		{"year 10000", Reply{At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"year -1", Reply{At: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"local time with monotonic clock", Reply{At: time.Now()}},
		{"acked", Reply{At: at, AckedAt: &at}},
		{"acked year 10000", Reply{At: at, AckedAt: &[]time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}[0]}},
		{"routing fields stay out", Reply{CID: "c", Caller: "shop <1>", Prev: "1-0", TraceParent: "tp", At: at}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkReplyJSON(t, tt.r) })
	}
}

// FuzzReplyJSON: for any reply, the hand encoder writes what json.Marshal
// writes, or refuses what it refuses.
func FuzzReplyJSON(f *testing.F) {
	f.Add("cid", "msg", "1-0", int64(1), int64(0), true, []byte(`{"n":1}`), false, "", int64(0), int64(1767225600), int64(0), 0)
	f.Add("c<>&", "a\u2028\xff\x01\"\\", "\x00", int64(-1), int64(math.MaxInt64), false,
		[]byte(" [ \"<a b>\" , {\"k\" :\t\"\u2029\xfe\"} ] "), true, "f&\x7f", int64(-9), int64(253402300800), int64(1), 86400)
	f.Add("", "", "", int64(0), int64(0), false, []byte("{"), true, "", int64(0), int64(-62167219201), int64(-1), -59)
	f.Fuzz(func(t *testing.T, cid, msg, offset string, seq, code int64, isEnd bool, data []byte,
		hasFile bool, fs string, size, sec, nsec int64, zone int) {
		r := Reply{CID: cid, Seq: int(seq), IsEnd: isEnd, Code: int(code), Msg: msg, Data: data, Offset: offset,
			At: time.Unix(sec, nsec).In(time.FixedZone(fs, zone))}
		if hasFile {
			r.File = &FileRef{ID: fs, Name: msg, Size: size, SHA256: cid, URL: offset}
		}
		checkReplyJSON(t, r)
	})
}
