package hub

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// A broker message carries one stored reply to every instance:
//
//	<cid> <seq> <isEnd 0|1> <offset> <prev> <traceparent> <caller>\n<frame>
//
// The header routes the reply and shows gaps without decoding the frame,
// which subscribers receive as it is: a reply is encoded once, where it is
// stored, never again per instance or per subscriber. The caller comes
// last, so it is the only field that may hold a space. A Store that
// publishes replies itself (see Appended.Published) builds the same
// message, from MessageTemplate and the parts of FrameParts; it may build
// others with Message.
func (r *Reply) message() []byte {
	msg := make([]byte, 0, len(r.CID)+len(r.Offset)+len(r.Prev)+len(r.TraceParent)+len(r.Caller)+len(frameType)+r.jsonSize()+24)
	var seq [20]byte
	msg = appendHeader(msg, r.CID, strconv.AppendInt(seq[:0], int64(r.Seq), 10), r.IsEnd, r.Offset, r.Prev, r.TraceParent, r.Caller)
	msg = append(msg, '\n')
	if m, ok := r.appendFrame(msg); ok {
		return m
	}
	body := marshalReply(*r) // fails as appendFrame did; never for a reply PostReply stored
	return append(append(msg, frameType...), body[1:]...)
}

// Message returns r's broker message (see message), encoded afresh.
func (r Reply) Message() []byte {
	r.frame = nil
	return r.message()
}

// appendHeader appends the first line of a broker message, without its
// newline: the one place its fields are put in order.
func appendHeader[S string | []byte](b []byte, cid string, seq S, isEnd bool, offset, prev, tp, caller string) []byte {
	b = append(append(b, cid...), ' ')
	b = append(append(b, seq...), ' ')
	if isEnd {
		b = append(b, "1 "...)
	} else {
		b = append(b, "0 "...)
	}
	b = append(append(b, offset...), ' ')
	b = append(append(b, prev...), ' ')
	b = append(append(b, tp...), ' ')
	return append(b, caller...)
}

// MessageTemplate is the header of cid's broker message for a reply
// (isEnd), as a format for Lua's string.format or Go's fmt.Sprintf: its
// five "%s" take, in order, the seq, the offset, the previous offset,
// the traceparent and the caller — what a Store learns as it appends.
func MessageTemplate(cid string, isEnd bool) string {
	return string(AppendMessageTemplate(make([]byte, 0, len(cid)+len("%s 0 %s %s %s %s")+1), cid, isEnd))
}

// AppendMessageTemplate appends MessageTemplate(cid, isEnd) to b.
func AppendMessageTemplate(b []byte, cid string, isEnd bool) []byte {
	return appendHeader(b, strings.ReplaceAll(cid, "%", "%%"), "%s", isEnd, "%s", "%s", "%s", "%s")
}

var errMessage = errors.New("hub: malformed broker message")

// decodeMessage reads a broker message. The reply carries its routing
// fields (CID, Seq, IsEnd, Offset, Prev, TraceParent, Caller) and its
// frame; the rest
// of it stays in the frame, which is all a subscriber sends.
func decodeMessage(msg []byte) (Reply, error) {
	hdr, frame, ok := bytes.Cut(msg, []byte{'\n'})
	if !ok || len(frame) < 2 {
		return Reply{}, errMessage
	}
	var f [7]string
	rest := string(hdr) // one string; the fields are slices of it
	for i := range 6 {
		if f[i], rest, ok = strings.Cut(rest, " "); !ok {
			return Reply{}, errMessage
		}
	}
	f[6] = rest
	seq, err := strconv.Atoi(f[1])
	if err != nil {
		return Reply{}, errMessage
	}
	return Reply{CID: f[0], Seq: seq, IsEnd: f[2] == "1", Offset: f[3], Prev: f[4], TraceParent: f[5],
		Caller: f[6], frame: frame}, nil
}

// FrameParts cuts r's frame around the two values only a Store knows
// when it appends r: the frame is head + seq + mid + offset + tail, the
// offset's quotes in mid and tail. A Store that builds the frame where it
// assigns them (a Redis script, say) encodes nothing itself. ok is false
// when r does not encode (see appendJSON); never for a reply PostReply
// stores.
func (r Reply) FrameParts() (head, mid, tail []byte, ok bool) {
	r.Seq, r.Offset = 0, ""
	var pos framePos
	f, ok := r.appendObject(make([]byte, 0, r.jsonSize()), frameType, false, &pos)
	if !ok {
		return nil, nil, nil, false
	}
	return f[:pos.seq], f[pos.seq+1 : pos.offset], f[pos.offset:], true
}

// ParseMessage reads a broker message into a whole reply: its routing
// fields from the header and the rest decoded from the frame, which the
// reply keeps. A Store that keeps replies as broker messages reads them
// back with it.
func ParseMessage(msg []byte) (Reply, error) {
	r, err := decodeMessage(msg)
	if err != nil {
		return r, err
	}
	var body Reply
	if err := json.Unmarshal(r.frame, &body); err != nil {
		return r, err
	}
	r.Code, r.Msg, r.Data, r.File, r.Origin, r.At = body.Code, body.Msg, body.Data, body.File, body.Origin, body.At
	return r, nil
}
