package redisstore

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
)

// codecCases are deliveries in every state and shape a stored one takes,
// with strings that need escaping.
func codecCases() []callback.Delivery {
	at := time.Date(2026, 12, 7, 14, 24, 9, 212626934, time.UTC)
	zone := time.FixedZone("", 5*3600+1800)
	cid := "0193a5f2-8b1c-7d3e-9a57-0123456789ab"
	base := callback.Delivery{ID: cid + ".1", CID: cid, Seq: 1, Caller: "shop", URL: "http://127.0.0.1:34567/cb",
		Method: "POST", State: callback.Pending, NextAttemptAt: at, CreatedAt: at, UpdatedAt: at,
		TraceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
		Reply: hub.Reply{CID: cid, Seq: 1, IsEnd: true, Msg: "ok", Data: []byte(`{"result":"done","n":42}`),
			Offset: "1733520000000-0", At: at}}
	cases := []callback.Delivery{base}
	add := func(f func(d *callback.Delivery)) {
		d := base
		d.Reply.Data = append([]byte(nil), base.Reply.Data...)
		f(&d)
		cases = append(cases, d)
	}
	log := []hub.Attempt{{At: at, DurationMs: 3, Status: 503, Error: "HTTP 503 <b>busy</b> & \"down\"", Body: "<b>busy</b>\n\t\u2028é\xff"},
		{At: at.In(zone), DurationMs: 0, Error: "dial tcp: connection refused"}, {At: at, DurationMs: 1, Status: 204}}
	add(func(d *callback.Delivery) { d.State, d.Attempts, d.AttemptLog = callback.Delivered, 3, log })
	add(func(d *callback.Delivery) { d.State, d.Attempts, d.AttemptLog = callback.Skipped, 0, nil })
	add(func(d *callback.Delivery) {
		d.Attempts, d.LastStatus, d.LastError, d.AttemptLog, d.NextAttemptAt = 2, 503, log[0].Error, log[:2], at.Add(time.Second)
	})
	add(func(d *callback.Delivery) {
		d.State, d.Attempts, d.LastError, d.AttemptLog, d.Replay = callback.Dead, 10, "gone", log, true
	})
	add(func(d *callback.Delivery) { d.State, d.LastError = callback.Failed, "callback.url: host not allowed" })
	add(func(d *callback.Delivery) {
		d.AckBy, d.Legacy, d.Method, d.URL = at.Add(time.Minute), true, "GET", "http://h/cb?a=1&b=<2>"
	})
	add(func(d *callback.Delivery) {
		d.Reply.Data, d.Reply.Msg, d.Reply.Code, d.Reply.IsEnd = nil, "", 504, false
		d.Reply.Origin, d.CreatedAt = "hub", at.In(zone)
	})
	add(func(d *callback.Delivery) {
		d.Reply.Data = []byte(`{"s":"a\"b\\c</x>&\u2028","n":[1,2.5,{"x":null}],"t":true}`)
	})
	add(func(d *callback.Delivery) { d.Reply.Data, d.Reply.Msg = []byte(`"just a string"`), "é\x01\u2029" })
	add(func(d *callback.Delivery) { d.Reply.Data = []byte(`null`) })
	add(func(d *callback.Delivery) {
		d.Reply.File = &hub.FileRef{ID: "f1", Name: "a <b>.pdf", Size: 12, SHA256: "ab", URL: "/v1/files/f1"}
	})
	add(func(d *callback.Delivery) { ack := at.Add(time.Second); d.Reply.AckedAt = &ack })
	add(func(d *callback.Delivery) { d.Caller, d.CID, d.ID = "ca\"ller", "c.with.dots", "c.with.dots.7" })
	return cases
}

// jsonDecode is decodeDelivery by json.Unmarshal alone.
func jsonDecode(cid string, seq int, s string) (callback.Delivery, error) {
	d, err := unmarshalStored(s)
	if err == nil && d.CID == "" {
		d.ID, d.CID, d.Seq = callback.DeliveryID(cid, seq), cid, seq
	}
	return d, err
}

// previousEncode is the previous release's encoder, by json.Marshal of
// its own struct, apart from storedOf: what that release writes and reads.
func previousEncode(d callback.Delivery) ([]byte, error) {
	type stored struct {
		callback.Delivery
		Reply         *hub.Reply `json:"reply,omitempty"`
		ID            string     `json:"id,omitempty"`
		CID           string     `json:"cid,omitempty"`
		Seq           int        `json:"seq,omitempty"`
		NextAttemptAt *time.Time `json:"nextAttemptAt,omitempty"`
	}
	ms := func(t time.Time) time.Time { return t.Truncate(time.Millisecond).UTC() }
	sd := stored{Delivery: d}
	if d.State == callback.Delivered || d.State == callback.Skipped {
		sd.Delivery.TraceParent = ""
		sd.CreatedAt, sd.UpdatedAt = ms(d.CreatedAt), ms(d.UpdatedAt)
		sd.AttemptLog = make([]hub.Attempt, len(d.AttemptLog))
		for i, a := range d.AttemptLog {
			a.At = ms(a.At)
			sd.AttemptLog[i] = a
		}
	} else {
		t := d.NextAttemptAt
		sd.Reply, sd.ID, sd.CID, sd.Seq, sd.NextAttemptAt = &d.Reply, d.ID, d.CID, d.Seq, &t
	}
	return json.Marshal(sd)
}

// TestDeliveryCodec: the hand encoder writes what json.Marshal writes,
// and the decoder reads it as json.Unmarshal does, so a release with
// encoding/json reads what this one writes and the other way round.
func TestDeliveryCodec(t *testing.T) {
	for i, d := range codecCases() {
		got := encodeDelivery(d)
		want, err := json.Marshal(storedOf(&d))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("case %d: encodeDelivery =\n%s\nwant json.Marshal's\n%s", i, got, want)
		}
		if prev, err := previousEncode(d); err != nil || string(got) != string(prev) {
			t.Errorf("case %d: encodeDelivery =\n%s\nwant the previous release's\n%s (%v)", i, got, prev, err)
		}
		dec, err := decodeDelivery("c", 4, string(got))
		ref, err2 := jsonDecode("c", 4, string(got))
		if err != nil || err2 != nil {
			t.Fatalf("case %d: decode: %v, json: %v", i, err, err2)
		}
		if !reflect.DeepEqual(dec, ref) {
			t.Errorf("case %d: decodeDelivery =\n%+v\nwant json.Unmarshal's\n%+v", i, dec, ref)
		}
	}
}

// TestDeliveryCodecFastPath: a delivery of the common path is read by
// the hand decoder, not handed to json.Unmarshal.
func TestDeliveryCodecFastPath(t *testing.T) {
	d := codecCases()[0]
	for _, state := range []string{callback.Pending, callback.Delivered} {
		d.State = state
		var got callback.Delivery
		if s := string(encodeDelivery(d)); !parseDelivery(s, &got) {
			t.Errorf("%s delivery: the hand decoder gave up on %s", state, s)
		}
	}
}

// TestDeliveryDecodeOlder: what an older release wrote, with spaces, an
// unknown field and keys in another case, still reads as json.Unmarshal
// reads it.
func TestDeliveryDecodeOlder(t *testing.T) {
	older := []string{
		`{"caller":"shop","url":"http://h/cb","method":"POST","state":"pending","attempts":0,"createdAt":"2026-12-07T14:24:09Z","updatedAt":"2026-12-07T14:24:09Z","reply":{"cid":"c","seq":1,"isEnd":true,"code":0,"msg":"ok","offset":"1-0","at":"2026-12-07T14:24:09Z"},"id":"c.1","cid":"c","seq":1,"nextAttemptAt":"2026-12-07T14:24:09Z"}`,
		`{ "Caller": "shop", "state": "dead", "attempts": 10, "extra": {"a": [1]}, "createdAt": "2026-12-07T14:24:09Z" }`,
		`{"id":"c.2","cid":"c","seq":2,"caller":"shop","state":"pending","reply":{"cid":"c","seq":2,"data":{"a":1}},"reply":{"msg":"x"}}`,
		`{"state":"delivered","attemptLog":[],"createdAt":"2026-12-07T14:24:09.5+05:30"}`,
		`{"state":"pending","attempts":-0,"cid":"c","seq":1}`,
	}
	for _, s := range append(older, spacedData...) {
		dec, err := decodeDelivery("c", 3, s)
		ref, err2 := jsonDecode("c", 3, s)
		if err != nil || err2 != nil {
			t.Fatalf("decode %s: %v, json: %v", s, err, err2)
		}
		if !reflect.DeepEqual(dec, ref) {
			t.Errorf("decodeDelivery(%s) =\n%+v\nwant\n%+v", s, dec, ref)
		}
	}
}

// spacedData are stored deliveries with space around the reply's data,
// which json.RawMessage drops.
var spacedData = []string{
	`{"state":"pending","reply":{"cid":"c","seq":1,"data": {"a":1},"offset":"1-0"},"cid":"c","seq":1}`,
	`{"state":"pending","reply":{"cid":"c","seq":1,"data":{"a":1} ,"offset":"1-0"},"cid":"c","seq":1}`,
	"{\"state\":\"pending\",\"reply\":{\"cid\":\"c\",\"seq\":1,\"data\":\r\n\t\"x\"\n}}",
	`{"state":"pending","reply":{"cid":"c","seq":1,"data":[1, 2] }}`,
}

// FuzzDeliveryDecode: whatever the hand decoder reads, it reads as
// json.Unmarshal does.
func FuzzDeliveryDecode(f *testing.F) {
	for _, d := range codecCases() {
		f.Add(string(encodeDelivery(d)))
	}
	for _, s := range spacedData {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var d callback.Delivery
		if !parseDelivery(s, &d) {
			return
		}
		dec, err := decodeDelivery("c", 3, s)
		ref, err2 := jsonDecode("c", 3, s)
		if err != nil || err2 != nil {
			t.Fatalf("the hand decoder read %q; decode: %v, json.Unmarshal: %v", s, err, err2)
		}
		if !reflect.DeepEqual(dec, ref) {
			t.Fatalf("decodeDelivery(%q) =\n%+v\nwant json.Unmarshal's\n%+v", s, dec, ref)
		}
	})
}

// FuzzDeliveryEncode: the hand encoder writes what the previous release
// writes, and the decoder reads that as json.Unmarshal does.
func FuzzDeliveryEncode(f *testing.F) {
	f.Add("shop", "http://h/cb?a=<1>&b", "POST", "pending", "err\u2028", "tp", "msg\xff", `{"a":"<\u2028>"}`, "1-0", "body\x01",
		int64(1733520000123456789), 0, 3, 503, int64(5), true, false, 7)
	f.Add("shop", "http://h/cb", "GET", "delivered", "", "", "ok", ` [1, 2] `, "1-0", "", int64(1733520000123456789), 11, 2, 200,
		int64(0), false, true, 1)
	f.Fuzz(func(t *testing.T, caller, url, method, state, lastErr, tp, msg, data, offset, body string, ns int64,
		zone, attempts, status int, dur int64, legacy, replay bool, seq int) {
		at := time.Unix(0, ns).In(time.FixedZone("", (zone%48)*1800))
		d := callback.Delivery{ID: "c.1", CID: "c", Seq: seq, Caller: caller, URL: url, Method: method, State: state,
			Attempts: attempts, LastStatus: status, LastError: lastErr, NextAttemptAt: at, CreatedAt: at,
			UpdatedAt: at.Add(time.Duration(dur)), AckBy: at, Replay: replay, Legacy: legacy, TraceParent: tp,
			Reply: hub.Reply{CID: "c", Seq: seq, Msg: msg, Data: []byte(data), Offset: offset, At: at, Origin: body}}
		switch attempts % 3 {
		case 0:
			d.AttemptLog = []hub.Attempt{}
		case 1:
			d.AttemptLog = []hub.Attempt{{At: at, DurationMs: dur, Status: status, Error: lastErr, Body: body}}
		}
		got := encodeDelivery(d)
		want, err := previousEncode(d)
		if err != nil {
			want = nil // encodeDelivery writes nothing either
		}
		if string(got) != string(want) {
			t.Fatalf("encodeDelivery =\n%s\nwant the previous release's\n%s", got, want)
		}
		if err != nil {
			return
		}
		dec, err := decodeDelivery("c", 1, string(got))
		ref, err2 := jsonDecode("c", 1, string(got))
		if (err == nil) != (err2 == nil) || !reflect.DeepEqual(dec, ref) {
			t.Fatalf("decodeDelivery(%s) =\n%+v, %v\nwant json.Unmarshal's\n%+v, %v", got, dec, err, ref, err2)
		}
	})
}
