package hub

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// A reply's JSON form is encoded by hand, byte for byte what json.Marshal
// makes of a *Reply (FuzzReplyJSON holds the two together): it is encoded
// once per stored reply, on the hot path of every service, and
// json.Marshal's reflection and copies cost more than the rest of it.

// appendJSON appends r's JSON form to b. ok is false, and b unchanged,
// when json.Marshal would fail: Data that is not valid JSON, or At that
// RFC 3339 cannot hold (a year outside 0–9999, a zone ±24h or more).
func (r *Reply) appendJSON(b []byte) (_ []byte, ok bool) { return r.appendObject(b, "{", false, nil) }

// appendFrame appends r's frame, its JSON form with "type":"reply" first;
// ok as for appendJSON.
func (r *Reply) appendFrame(b []byte) (_ []byte, ok bool) {
	return r.appendObject(b, frameType, false, nil)
}

// JSON returns r's JSON form: what json.Marshal makes of it, built
// without reflection.
func (r *Reply) JSON() []byte {
	if b, ok := r.appendJSON(make([]byte, 0, r.jsonSize())); ok {
		return b
	}
	return marshalReply(*r) // fails as appendJSON did; never for a reply PostReply stored
}

// marshalReply is json.Marshal's r, on a copy: the reply of a caller of
// JSON, CallbackBody or message stays on its stack in their common path.
func marshalReply(r Reply) []byte {
	b, _ := json.Marshal(&r)
	return b
}

// CallbackBody returns the JSON body of r's POST callback, as
// openapi.yaml's CallbackBody describes it: r's JSON form with data and
// file always present, null when the reply has none, so a receiver reads
// one shape: {cid, seq, isEnd, code, msg, data, file, offset, at}.
func (r *Reply) CallbackBody() []byte {
	if b, ok := r.appendObject(make([]byte, 0, r.jsonSize()+24), "{", true, nil); ok {
		return b
	}
	return marshalReply(*r) // fails as appendObject did
}

// framePos is where appendObject wrote the seq and the offset's value
// (inside its quotes), as indexes into what it appended to.
type framePos struct{ seq, offset int }

// appendObject appends open (the object's opening, up to its first
// field), r's fields and the closing brace; with nulls (a callback
// body), data and file are written as null when r has none, else left
// out, and ackedAt is left out. A non-nil pos learns where the seq and
// the offset went. ok as for appendJSON.
func (r *Reply) appendObject(orig []byte, open string, nulls bool, pos *framePos) (_ []byte, ok bool) {
	b := append(orig, open...)
	b = appendJSONString(append(b, `"cid":`...), r.CID)
	b = append(b, `,"seq":`...)
	if pos != nil {
		pos.seq = len(b)
	}
	b = strconv.AppendInt(b, int64(r.Seq), 10)
	b = strconv.AppendBool(append(b, `,"isEnd":`...), r.IsEnd)
	b = strconv.AppendInt(append(b, `,"code":`...), int64(r.Code), 10)
	b = appendJSONString(append(b, `,"msg":`...), r.Msg)
	if len(r.Data) > 0 {
		if !json.Valid(r.Data) {
			return orig, false
		}
		b = appendCompactHTML(append(b, `,"data":`...), r.Data)
	} else if nulls {
		b = append(b, `,"data":null`...)
	}
	if r.File != nil {
		b = r.File.appendJSON(append(b, `,"file":`...))
	} else if nulls {
		b = append(b, `,"file":null`...)
	}
	if r.Origin != "" {
		b = appendJSONString(append(b, `,"origin":`...), r.Origin)
	}
	b = append(b, `,"offset":`...)
	if pos != nil {
		pos.offset = len(b) + 1
	}
	b = appendJSONString(b, r.Offset)
	b = append(b, `,"at":"`...)
	b, err := r.At.AppendText(b) // MarshalJSON's form and checks, unquoted
	if err != nil {
		return orig, false
	}
	if r.AckedAt != nil && !nulls { // the record's, never a callback's
		if b, err = r.AckedAt.AppendText(append(b, `","ackedAt":"`...)); err != nil {
			return orig, false
		}
	}
	return append(b, `"}`...), true
}

// jsonSize is about the length of r's JSON form, enough unless its
// strings need escaping.
func (r *Reply) jsonSize() int {
	n := 168 + len(r.CID) + len(r.Msg) + len(r.Data) + len(r.Offset) + len(r.Origin)
	if f := r.File; f != nil {
		n += 64 + len(f.ID) + len(f.Name) + len(f.SHA256) + len(f.URL)
	}
	return n
}

// appendJSON appends f's JSON form.
func (f *FileRef) appendJSON(b []byte) []byte {
	b = appendJSONString(append(b, `{"id":`...), f.ID)
	b = appendJSONString(append(b, `,"name":`...), f.Name)
	b = strconv.AppendInt(append(b, `,"size":`...), f.Size, 10)
	b = appendJSONString(append(b, `,"sha256":`...), f.SHA256)
	b = appendJSONString(append(b, `,"url":`...), f.URL)
	return append(b, '}')
}

// appendJSONString appends s quoted as encoding/json does: HTML-safe
// (\u003c \u003e \u0026), \u2028 and \u2029 escaped, other control
// characters as \b \f \n \r \t or \u00XX, invalid UTF-8 as \ufffd.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe(c) {
				i++
				continue
			}
			b = appendEscapedByte(append(b, s[start:i]...), c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(append(b, s[start:]...), '"')
}

// jsonSafe reports whether encoding/json writes the ASCII byte c as it
// is in an HTML-safe string.
func jsonSafe(c byte) bool {
	return c >= ' ' && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
}

// appendEscapedByte appends the escape of an ASCII byte jsonSafe refuses.
func appendEscapedByte(b []byte, c byte) []byte {
	switch c {
	case '\\', '"':
		return append(b, '\\', c)
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}

const hexDigits = "0123456789abcdef"

// appendCompactHTML appends valid JSON v as json.Marshal writes a
// json.RawMessage: without insignificant space, and with < > & U+2028
// U+2029 escaped (valid JSON holds them only inside strings).
func appendCompactHTML(b, v []byte) []byte {
	inString, escaped := false, false
	start := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '<' || c == '>' || c == '&':
			b = append(append(b, v[start:i]...), '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			start = i + 1
		case c == 0xE2 && i+2 < len(v) && v[i+1] == 0x80 && v[i+2]&^1 == 0xA8:
			b = append(append(b, v[start:i]...), '\\', 'u', '2', '0', '2', hexDigits[v[i+2]&0xF])
			i += 2
			start = i + 1
		case inString:
			inString = escaped || c != '"'
			escaped = !escaped && c == '\\'
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			b = append(b, v[start:i]...)
			start = i + 1
		}
	}
	return append(b, v[start:]...)
}
