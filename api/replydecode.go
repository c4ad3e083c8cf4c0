package api

import (
	"bytes"
	"io"
	"sync"
	"testing/iotest"

	"github.com/callhub/callhub/hub"
)

// A reply body is decoded on the hot path of every service, so its usual
// shape is read by hand from the whole body (parseReply); anything else
// (an error to report, a "file", an escape in a string) goes to the
// generic decodeJSON, whose decisions and messages stay the reference.
// FuzzReplyInputDecode holds the two together.

// decodeReply decodes the JSON body of a reply. Only the hub makes file
// references, so a "file" in it is checked and dropped.
func decodeReply(r io.Reader) (hub.ReplyInput, error) {
	buf := bodyPool.Get().(*bytes.Buffer)
	defer putBody(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		// A body over the limit or cut short: the stream decoder meets
		// the error after the same bytes, as it would reading r itself.
		return decodeReplyStream("body", io.MultiReader(bytes.NewReader(buf.Bytes()), iotest.ErrReader(err)))
	}
	return decodeReplyBytes("body", buf.Bytes())
}

// decodeReplyBytes decodes a whole reply, the body or the multipart part
// name; the reply keeps none of b.
func decodeReplyBytes(name string, b []byte) (hub.ReplyInput, error) {
	if in, ok := parseReply(b); ok {
		return in, nil
	}
	return decodeReplyStream(name, bytes.NewReader(b))
}

func decodeReplyStream(name string, r io.Reader) (hub.ReplyInput, error) {
	var in replyJSON
	if err := decodeNamed(name, r, &in); err != nil {
		in.File = nil
		return in.ReplyInput, err
	}
	return in.reply()
}

// replyJSON is a reply as a service sends it. An explicit "seq": 0 is
// refused, where an absent (or null) seq means the next one; the outer
// Seq shadows hub.ReplyInput's to tell them apart.
type replyJSON struct {
	hub.ReplyInput
	Seq *int `json:"seq"`
}

// reply returns the reply without a file, and an error naming seq when
// it was an explicit 0.
func (in replyJSON) reply() (hub.ReplyInput, error) {
	r := in.ReplyInput
	r.File = nil
	if in.Seq == nil {
		return r, nil
	}
	if r.Seq = *in.Seq; r.Seq == 0 {
		return r, hub.Invalid("seq", "must be ≥ 1; leave it out for the next one")
	}
	return r, nil
}

// bodyPool holds the buffers reply bodies are read into; one over
// maxPooledBody goes back to the garbage collector instead.
var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledBody = 64 << 10

func putBody(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBody {
		bodyPool.Put(b)
	}
}

// replyParser reads one reply body by hand. It accepts only what
// encoding/json (as decodeReplyStream drives it) accepts with the same value:
// one object of the keys seq, isEnd, code, msg and data, in any ASCII
// case, repeated or not, with integers, true/false, strings without
// escapes and any valid JSON data, null where it is allowed, and nothing
// after the object but space.
type replyParser struct {
	b  []byte
	i  int
	in hub.ReplyInput
}

// parseReply decodes b; ok is false when b is anything else than the
// shape replyParser reads, and then decodeJSON must decide.
func parseReply(b []byte) (_ hub.ReplyInput, ok bool) {
	p := replyParser{b: b}
	if !p.object() {
		return hub.ReplyInput{}, false
	}
	p.space()
	return p.in, p.i == len(p.b)
}

func (p *replyParser) object() bool {
	p.space()
	if !p.take('{') {
		return false
	}
	p.space()
	if p.take('}') {
		return true
	}
	for {
		if !p.member() {
			return false
		}
		p.space()
		if p.take('}') {
			return true
		}
		if !p.take(',') {
			return false
		}
		p.space()
	}
}

func (p *replyParser) member() bool {
	key, ok := p.key()
	if !ok {
		return false
	}
	p.space()
	if !p.take(':') {
		return false
	}
	p.space()
	switch {
	case asciiFoldEqual(key, "seq"):
		return p.seq()
	case asciiFoldEqual(key, "isend"):
		return p.bool(&p.in.IsEnd)
	case asciiFoldEqual(key, "code"):
		return p.int(&p.in.Code)
	case asciiFoldEqual(key, "msg"):
		return p.string(&p.in.Msg)
	case asciiFoldEqual(key, "data"):
		return p.data()
	}
	return false // "file", an unknown field, a key to unescape or fold
}
