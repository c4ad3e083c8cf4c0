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
//	<cid> <seq> <isEnd 0|1> <offset> <prev> <caller>\n<frame>
//
// The header routes the reply and shows gaps without decoding the frame,
// which subscribers receive as it is: a reply is encoded once, where it is
// stored, never again per instance or per subscriber. The caller comes
// last, so it is the only field that may hold a space. A Store that
// publishes replies itself (see Appended.Published) builds the same
// message, from MessageHeader and the parts of FrameParts.
func (r *Reply) message() []byte {
	frame := r.Frame()
	hdr := MessageHeader(r.CID, strconv.Itoa(r.Seq), r.IsEnd, r.Offset, r.Prev, r.Caller)
	return append(append(make([]byte, 0, len(hdr)+1+len(frame)), hdr...), append([]byte{'\n'}, frame...)...)
}

// MessageHeader is the first line of a broker message, without its
// newline.
func MessageHeader(cid, seq string, isEnd bool, offset, prev, caller string) string {
	end := "0"
	if isEnd {
		end = "1"
	}
	return cid + " " + seq + " " + end + " " + offset + " " + prev + " " + caller
}

var errMessage = errors.New("hub: malformed broker message")

// decodeMessage reads a broker message. The reply carries its routing
// fields (CID, Seq, IsEnd, Offset, Prev, Caller) and its frame; the rest
// of it stays in the frame, which is all a subscriber sends.
func decodeMessage(msg []byte) (Reply, error) {
	hdr, frame, ok := bytes.Cut(msg, []byte{'\n'})
	f := strings.SplitN(string(hdr), " ", 6)
	if !ok || len(f) != 6 || len(frame) < 2 {
		return Reply{}, errMessage
	}
	seq, err := strconv.Atoi(f[1])
	if err != nil {
		return Reply{}, errMessage
	}
	return Reply{CID: f[0], Seq: seq, IsEnd: f[2] == "1", Offset: f[3], Prev: f[4], Caller: f[5],
		frame: frame}, nil
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
	b, _ := json.Marshal(&r)
	f := frameOf(b)
	seq := []byte(`"seq":` + strconv.Itoa(seqMark))
	i := bytes.Index(f, seq)
	off, _ := json.Marshal(offsetMark)
	off = append([]byte(`"offset":`), off...)
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
	r.Code, r.Msg, r.Data, r.File, r.At = body.Code, body.Msg, body.Data, body.File, body.At
	return r, nil
}
