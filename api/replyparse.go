package api

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// The values replyParser reads. Each returns false for what it leaves
// to decodeJSON; a JSON null leaves its field as it was, as encoding/json
// does, except for isEnd, a pointer, which it sets to nil.

func (p *replyParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *replyParser) take(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *replyParser) literal(s string) bool {
	if bytes.HasPrefix(p.b[p.i:], []byte(s)) {
		p.i += len(s)
		return true
	}
	return false
}

// key reads a quoted key of printable ASCII without escapes.
func (p *replyParser) key() ([]byte, bool) {
	if !p.take('"') {
		return nil, false
	}
	start := p.i
	for ; p.i < len(p.b); p.i++ {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			return p.b[start : p.i-1], true
		case c < ' ' || c == '\\' || c >= utf8.RuneSelf:
			return nil, false
		}
	}
	return nil, false
}

// asciiFoldEqual reports whether key is lower, ignoring ASCII case, as
// encoding/json matches an ASCII key to a field name.
func asciiFoldEqual(key []byte, lower string) bool {
	if len(key) != len(lower) {
		return false
	}
	for i, c := range key {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// int reads an integer of at most 18 digits, or null. A 19th digit, a
// fraction or an exponent (encoding/json refuses them for an int) stop
// the object, which then ends in neither ',' nor '}'.
func (p *replyParser) int(v *int) bool {
	if p.literal("null") {
		return true
	}
	neg := p.take('-')
	start := p.i
	var n int64
	for p.i < len(p.b) && '0' <= p.b[p.i] && p.b[p.i] <= '9' && p.i-start < 18 {
		n = n*10 + int64(p.b[p.i]-'0')
		p.i++
	}
	digits := p.i - start
	if digits == 0 || (digits > 1 && p.b[start] == '0') || int64(int(n)) != n {
		return false
	}
	if neg {
		n = -n
	}
	*v = int(n)
	return true
}

// seq reads seq: null is an absent seq (the next one), and an explicit
// 0, which replyJSON refuses, is left to decodeJSON to name.
func (p *replyParser) seq() bool {
	if p.literal("null") {
		p.in.Seq = 0
		return true
	}
	return p.int(&p.in.Seq) && p.in.Seq != 0
}

func (p *replyParser) bool(v **bool) bool {
	switch {
	case p.literal("null"):
		*v = nil
	case p.literal("true"):
		*v = new(true)
	case p.literal("false"):
		*v = new(false)
	default:
		return false
	}
	return true
}

// string reads a string of valid UTF-8 without escapes, or null.
func (p *replyParser) string(v *string) bool {
	if p.literal("null") {
		return true
	}
	if !p.take('"') {
		return false
	}
	start := p.i
	for ; p.i < len(p.b); p.i++ {
		switch c := p.b[p.i]; {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if !utf8.Valid(s) {
				return false
			}
			*v = string(s)
			return true
		case c < ' ' || c == '\\':
			return false
		}
	}
	return false
}

// data reads any valid JSON value and keeps a copy of it as it is
// written, as json.RawMessage does.
func (p *replyParser) data() bool {
	end := valueEnd(p.b, p.i)
	if end <= p.i || !json.Valid(p.b[p.i:end]) {
		return false
	}
	p.in.Data = append(json.RawMessage(nil), p.b[p.i:end]...)
	p.i = end
	return true
}

// valueEnd is where the JSON value starting at b[i] ends, if it is valid
// (json.Valid checks); -1 when it cannot end.
func valueEnd(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			if i = stringEnd(b, i); i < 0 || depth == 0 {
				return i
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
		i++
	}
	if depth > 0 {
		return -1
	}
	return i
}

// stringEnd is the index after the string whose quote is b[i], or -1.
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}
