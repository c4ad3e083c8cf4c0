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
// message, from MessageHeader and the parts of FrameParts.
func (r *Reply) message() []byte {
	msg := make([]byte, 0, len(r.CID)+len(r.Offset)+len(r.Prev)+len(r.TraceParent)+len(r.Caller)+len(frameType)+r.jsonSize()+24)
	msg = appendHeader(msg, r.CID, r.Seq, r.IsEnd, r.Offset, r.Prev, r.TraceParent, r.Caller)
	msg = append(msg, '\n')
	if m, ok := r.appendFrame(msg); ok {
		return m
	}
	body, _ := json.Marshal(r) // fails as appendFrame did; never for a reply PostReply stored
	return append(append(msg, frameType...), body[1:]...)
}

func appendHeader(b []byte, cid string, seq int, isEnd bool, offset, prev, tp, caller string) []byte {
	b = append(append(b, cid...), ' ')
	b = append(strconv.AppendInt(b, int64(seq), 10), ' ')
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

// MessageHeader is the first line of a broker message, without its
// newline.
func MessageHeader(cid, seq string, isEnd bool, offset, prev, tp, caller string) string {
	end := "0"
	if isEnd {
		end = "1"
	}
	return cid + " " + seq + " " + end + " " + offset + " " + prev + " " + tp + " " + caller
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

// Sentinels FrameParts cuts at; neither can occur in a reply's own JSON
// form before the cut (seq comes second, right after a checked cid; the
// offset is looked for from the end, after data and file).
const (
	seqMark    = 1<<62 - 1
	offsetMark = "\x00offset"
)

// FrameParts cuts r's frame around the two values only a Store knows
// when it appends r: the frame is head + seq + mid + offset + tail. A
// Store that builds the frame where it assigns them (a Redis script, say)
// encodes nothing itself.
func (r Reply) FrameParts() (head, mid, tail []byte) {
	r.Seq, r.Offset, r.frame = seqMark, offsetMark, nil
	f := r.Frame()
	seq := []byte(`"seq":` + strconv.Itoa(seqMark))
	i := bytes.Index(f, seq)
	off := appendJSONString([]byte(`"offset":`), offsetMark)
	j := bytes.LastIndex(f, off)
	head = f[:i+len(`"seq":`)]
	mid = f[i+len(seq) : j+len(`"offset":"`)]
	tail = f[j+len(off)-1:]
	return head, mid, tail
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
