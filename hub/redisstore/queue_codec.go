package redisstore

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
)

// A delivery is stored as JSON, the form every release reads (an
// instance of the previous one too, in a rolling upgrade). It is encoded
// and decoded by hand: byte for byte what json.Marshal writes, and what
// json.Unmarshal reads of what this encoder writes (TestDeliveryCodec,
// FuzzDeliveryDecode). A callback encodes its delivery twice and decodes
// it once, and the reflection of encoding/json cost about 20 µs of it.
// Anything the hand decoder does not expect (an escaped string, a file,
// an unknown field) goes to json.Unmarshal.

// storedDelivery is a delivery with its reply, as stored.
type storedDelivery struct {
	callback.Delivery
	Reply *hub.Reply `json:"reply,omitempty"`
	// the fields a delivered one leaves out, all omitted when empty
	ID            string     `json:"id,omitempty"`
	CID           string     `json:"cid,omitempty"`
	Seq           int        `json:"seq,omitempty"`
	NextAttemptAt *time.Time `json:"nextAttemptAt,omitempty"`
}

// encodeDelivery is d as stored. A delivered (or skipped) one is never
// attempted again, so it keeps only what the admin reads: its reply (kept in the
// cid's stream anyway), its due time and its trace are left out, and so
// are its id, cid and seq, which its key and field name; its times are
// kept to the millisecond.
func encodeDelivery(d callback.Delivery) []byte {
	sd := storedOf(&d)
	if b, ok := sd.appendJSON(make([]byte, 0, sd.jsonSize())); ok {
		return b
	}
	return marshalDelivery(d) // fails as appendJSON did
}

// marshalDelivery is json.Marshal's encodeDelivery, on a copy of d: d
// stays on the stack in encodeDelivery's common path.
func marshalDelivery(d callback.Delivery) []byte {
	b, _ := json.Marshal(storedOf(&d))
	return b
}

// storedOf is what encodeDelivery writes of d.
func storedOf(d *callback.Delivery) storedDelivery {
	sd := storedDelivery{Delivery: *d}
	if callback.Settled(d.State) {
		sd.Delivery.TraceParent = ""
		sd.CreatedAt, sd.UpdatedAt = toMs(d.CreatedAt), toMs(d.UpdatedAt)
		sd.AttemptLog = make([]hub.Attempt, len(d.AttemptLog))
		for i, a := range d.AttemptLog {
			a.At = toMs(a.At)
			sd.AttemptLog[i] = a
		}
	} else {
		sd.Reply, sd.ID, sd.CID, sd.Seq, sd.NextAttemptAt = &d.Reply, d.ID, d.CID, d.Seq, &d.NextAttemptAt
	}
	return sd
}

// decodeDelivery reads a delivery as stored; cid and seq name one that
// does not (a delivered one).
func decodeDelivery(cid string, seq int, s string) (callback.Delivery, error) {
	var d callback.Delivery
	if !parseDelivery(s, &d) {
		var err error
		if d, err = unmarshalStored(s); err != nil {
			return callback.Delivery{}, err
		}
	}
	if d.CID == "" {
		d.ID, d.CID, d.Seq = callback.DeliveryID(cid, seq), cid, seq
	}
	return d, nil
}

// unmarshalStored is what json.Unmarshal reads of s, a stored delivery,
// with its own id, cid, seq and due time in the delivery's.
func unmarshalStored(s string) (callback.Delivery, error) {
	var sd storedDelivery
	if err := json.Unmarshal([]byte(s), &sd); err != nil {
		return callback.Delivery{}, err
	}
	d := sd.Delivery
	if sd.Reply != nil {
		d.Reply = *sd.Reply
	}
	if sd.NextAttemptAt != nil {
		d.NextAttemptAt = *sd.NextAttemptAt
	}
	d.ID, d.CID, d.Seq = sd.ID, sd.CID, sd.Seq
	return d, nil
}

// jsonSize is about the length of sd's JSON, enough unless its strings
// need escaping.
func (sd *storedDelivery) jsonSize() int {
	n := 300 + len(sd.Caller) + len(sd.URL) + len(sd.LastError) + len(sd.TraceParent) + 2*len(sd.ID)
	for _, a := range sd.AttemptLog {
		n += 96 + len(a.Error) + len(a.Body)
	}
	if sd.Reply != nil {
		n += 168 + len(sd.Reply.CID) + len(sd.Reply.Msg) + len(sd.Reply.Data) + len(sd.Reply.Offset) + len(sd.Reply.Origin)
		if sd.Reply.File != nil {
			n += 256
		}
	}
	return n
}

// appendJSON appends what json.Marshal makes of sd, in its field order.
// ok is false, and b unchanged, when json.Marshal would fail (a time RFC
// 3339 cannot hold, reply data that is not JSON).
func (sd *storedDelivery) appendJSON(orig []byte) (_ []byte, ok bool) {
	b := appendField(append(orig, '{'), "caller", sd.Caller)
	b = appendField(append(b, ','), "url", sd.URL)
	b = appendField(append(b, ','), "method", sd.Method)
	b = appendField(append(b, ','), "state", sd.State)
	b = strconv.AppendInt(append(b, `,"attempts":`...), int64(sd.Attempts), 10)
	if sd.LastStatus != 0 {
		b = strconv.AppendInt(append(b, `,"lastStatus":`...), int64(sd.LastStatus), 10)
	}
	if sd.LastError != "" {
		b = appendField(append(b, ','), "lastError", sd.LastError)
	}
	if !sd.AckBy.IsZero() {
		if b, ok = appendTime(append(b, `,"ackBy":`...), sd.AckBy); !ok {
			return orig, false
		}
	}
	if len(sd.AttemptLog) > 0 {
		b = append(b, `,"attemptLog":[`...)
		for i := range sd.AttemptLog {
			if i > 0 {
				b = append(b, ',')
			}
			if b, ok = appendAttempt(b, &sd.AttemptLog[i]); !ok {
				return orig, false
			}
		}
		b = append(b, ']')
	}
	if sd.Replay {
		b = append(b, `,"replay":true`...)
	}
	if b, ok = appendTime(append(b, `,"createdAt":`...), sd.CreatedAt); !ok {
		return orig, false
	}
	if b, ok = appendTime(append(b, `,"updatedAt":`...), sd.UpdatedAt); !ok {
		return orig, false
	}
	if sd.Legacy {
		b = append(b, `,"legacy":true`...)
	}
	if sd.TraceParent != "" {
		b = appendField(append(b, ','), "traceparent", sd.TraceParent)
	}
	return sd.appendTail(b, orig)
}

// appendTail appends sd's own fields, after the delivery's, and closes
// the object; orig is what to answer when json.Marshal would fail.
func (sd *storedDelivery) appendTail(b, orig []byte) (_ []byte, ok bool) {
	if sd.Reply != nil {
		if b, ok = sd.Reply.AppendJSON(append(b, `,"reply":`...)); !ok {
			return orig, false
		}
	}
	if sd.ID != "" {
		b = appendField(append(b, ','), "id", sd.ID)
	}
	if sd.CID != "" {
		b = appendField(append(b, ','), "cid", sd.CID)
	}
	if sd.Seq != 0 {
		b = strconv.AppendInt(append(b, `,"seq":`...), int64(sd.Seq), 10)
	}
	if sd.NextAttemptAt != nil {
		if b, ok = appendTime(append(b, `,"nextAttemptAt":`...), *sd.NextAttemptAt); !ok {
			return orig, false
		}
	}
	return append(b, '}'), true
}

// appendAttempt appends what json.Marshal makes of a.
func appendAttempt(b []byte, a *hub.Attempt) (_ []byte, ok bool) {
	if b, ok = appendTime(append(b, `{"at":`...), a.At); !ok {
		return b, false
	}
	b = strconv.AppendInt(append(b, `,"durationMs":`...), a.DurationMs, 10)
	if a.Status != 0 {
		b = strconv.AppendInt(append(b, `,"status":`...), int64(a.Status), 10)
	}
	if a.Error != "" {
		b = appendField(append(b, ','), "error", a.Error)
	}
	if a.Body != "" {
		b = appendField(append(b, ','), "body", a.Body)
	}
	return append(b, '}'), true
}

// appendField appends "name":<v quoted>; name needs no escaping.
func appendField(b []byte, name, v string) []byte {
	b = append(append(append(b, '"'), name...), `":`...)
	return hub.AppendJSONString(b, v)
}

// appendTime appends t quoted as Time.MarshalJSON writes it; ok is false
// when MarshalJSON fails.
func appendTime(b []byte, t time.Time) (_ []byte, ok bool) {
	out, err := t.AppendText(append(b, '"'))
	if err != nil {
		return b, false
	}
	return append(out, '"'), true
}
