package redisstore

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
)

// The hand decoder of a stored delivery (see queue_codec.go): it reads
// JSON as appendJSON writes it, compact and with the fields it knows,
// into what json.Unmarshal would make of it, and gives up (false) on
// anything else: the caller then asks json.Unmarshal.

// jsonReader reads JSON from s at i; bad is set at the first thing it
// does not read as json.Unmarshal would.
type jsonReader struct {
	s   string
	i   int
	bad bool
}

// parseDelivery reads s, a stored delivery, into d as decodeDelivery
// makes it of what json.Unmarshal reads (its own id, cid, seq and due
// time in d's); it reports whether it could.
func parseDelivery(s string, d *callback.Delivery) bool {
	x := &jsonReader{s: s}
	replied := false
	x.object(func(key string) {
		if key == "reply" && !replied {
			replied = true
			x.object(func(key string) {
				if !replyField(x, key, &d.Reply) {
					x.bad = true
				}
			})
		} else if !deliveryField(x, key, d) {
			x.bad = true // a second reply too: json.Unmarshal merges the two
		}
	})
	return !x.bad && x.i == len(s)
}

// deliveryField reads the value of d's field key; false for a key it
// does not know.
func deliveryField(x *jsonReader, key string, d *callback.Delivery) bool {
	switch key {
	case "caller":
		d.Caller = x.str()
	case "url":
		d.URL = x.str()
	case "method":
		d.Method = x.str()
	case "state":
		d.State = x.str()
	case "attempts":
		d.Attempts = x.int()
	case "lastStatus":
		d.LastStatus = x.int()
	case "lastError":
		d.LastError = x.str()
	case "ackBy":
		d.AckBy = x.time()
	case "attemptLog":
		d.AttemptLog = x.attempts()
	case "replay":
		d.Replay = x.bool()
	case "createdAt":
		d.CreatedAt = x.time()
	case "updatedAt":
		d.UpdatedAt = x.time()
	default:
		return ownField(x, key, d)
	}
	return true
}

// ownField reads the value of a field of the delivery that
// storedDelivery keeps apart, or of one encoding/json leaves out when
// empty.
func ownField(x *jsonReader, key string, d *callback.Delivery) bool {
	switch key {
	case "legacy":
		d.Legacy = x.bool()
	case "traceparent":
		d.TraceParent = x.str()
	case "id":
		d.ID = x.str()
	case "cid":
		d.CID = x.str()
	case "seq":
		d.Seq = x.int()
	case "nextAttemptAt":
		d.NextAttemptAt = x.time()
	default:
		return false
	}
	return true
}

// replyField reads the value of r's field key.
func replyField(x *jsonReader, key string, r *hub.Reply) bool {
	switch key {
	case "cid":
		r.CID = x.str()
	case "seq":
		r.Seq = x.int()
	case "isEnd":
		r.IsEnd = x.bool()
	case "code":
		r.Code = x.int()
	case "msg":
		r.Msg = x.str()
	case "data":
		r.Data = x.raw()
	case "origin":
		r.Origin = x.str()
	case "offset":
		r.Offset = x.str()
	case "at":
		r.At = x.time()
	default:
		return false // file, ackedAt: rare, left to json.Unmarshal
	}
	return true
}

// attempts reads an attempt log.
func (x *jsonReader) attempts() []hub.Attempt {
	log := []hub.Attempt{} // json.Unmarshal's of []
	if !x.next('[') {
		x.bad = true
		return nil
	}
	if x.next(']') {
		return log
	}
	for !x.bad {
		var a hub.Attempt
		x.object(func(key string) { x.attemptField(key, &a) })
		log = append(log, a)
		if !x.next(',') {
			break
		}
	}
	x.bad = x.bad || !x.next(']')
	return log
}

func (x *jsonReader) attemptField(key string, a *hub.Attempt) {
	switch key {
	case "at":
		a.At = x.time()
	case "durationMs":
		a.DurationMs = int64(x.int())
	case "status":
		a.Status = x.int()
	case "error":
		a.Error = x.str()
	case "body":
		a.Body = x.str()
	default:
		x.bad = true
	}
}

// object reads an object, calling field for each key with x at its value.
func (x *jsonReader) object(field func(key string)) {
	if !x.next('{') {
		x.bad = true
		return
	}
	if x.next('}') {
		return
	}
	for !x.bad {
		key := x.str()
		if x.bad || !x.next(':') {
			x.bad = true
			return
		}
		field(key)
		if !x.next(',') {
			break
		}
	}
	x.bad = x.bad || !x.next('}')
}

// next reads c if it comes next.
func (x *jsonReader) next(c byte) bool {
	if x.i < len(x.s) && x.s[x.i] == c {
		x.i++
		return true
	}
	return false
}

// str reads a string without escapes, of valid UTF-8: json.Unmarshal
// would have the same of it. Anything else is bad.
func (x *jsonReader) str() string {
	if !x.next('"') {
		x.bad = true
		return ""
	}
	start, ascii := x.i, true
	for ; x.i < len(x.s); x.i++ {
		switch c := x.s[x.i]; {
		case c == '"':
			v := x.s[start:x.i]
			x.i++
			if !ascii && !utf8.ValidString(v) {
				x.bad = true
			}
			return v
		case c < ' ' || c == '\\':
			x.bad = true
			return ""
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	x.bad = true
	return ""
}

// int reads an integer written as strconv writes one.
func (x *jsonReader) int() int {
	start := x.i
	x.next('-')
	digits := x.i
	for x.i < len(x.s) && x.s[x.i] >= '0' && x.s[x.i] <= '9' {
		x.i++
	}
	if x.i == digits || (x.s[digits] == '0' && x.i-digits > 1) {
		x.bad = true
		return 0
	}
	n, err := strconv.Atoi(x.s[start:x.i])
	x.bad = x.bad || err != nil
	return n
}

func (x *jsonReader) bool() bool {
	switch {
	case len(x.s)-x.i >= 4 && x.s[x.i:x.i+4] == "true":
		x.i += 4
		return true
	case len(x.s)-x.i >= 5 && x.s[x.i:x.i+5] == "false":
		x.i += 5
	default:
		x.bad = true
	}
	return false
}

// time reads a time as Time.UnmarshalJSON does.
func (x *jsonReader) time() time.Time {
	var t time.Time
	if s := x.str(); !x.bad && t.UnmarshalText([]byte(s)) != nil {
		x.bad = true
	}
	return t
}

// raw reads any JSON value as it stands, as json.RawMessage takes it.
func (x *jsonReader) raw() json.RawMessage {
	start, depth, inString := x.i, 0, false
	for ; x.i < len(x.s); x.i++ {
		c := x.s[x.i]
		switch {
		case inString && c == '\\':
			x.i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth == 0 {
				return x.rawValue(start)
			}
			depth--
		case c == ',' && depth == 0:
			return x.rawValue(start)
		}
	}
	x.bad = true
	return nil
}

// rawValue is the raw value from start to x.i, which must be valid JSON
// with no space around it: json.RawMessage drops that space, and a value
// with some is left to json.Unmarshal like anything else not compact.
func (x *jsonReader) rawValue(start int) json.RawMessage {
	v := []byte(x.s[start:x.i])
	if len(v) == 0 || isSpace(v[0]) || isSpace(v[len(v)-1]) || !json.Valid(v) {
		x.bad = true
		return nil
	}
	return v
}

// isSpace reports whether c is JSON's white space.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
