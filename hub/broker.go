package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
)

// Broker fans messages out to every hub instance. Delivery is at most once:
// the hub re-reads the Store when it notices a gap, so a Broker may drop.
// A Broker that knows it lost messages (it reconnected, say) sends an empty
// message on the topic: subscribers then re-read the Store.
type Broker interface {
	Publish(ctx context.Context, topic string, msg []byte) error
	// Subscribe delivers topic's messages until ctx is done, then closes
	// the channel.
	Subscribe(ctx context.Context, topic string) (<-chan []byte, error)
}

// Topics of the hub's broker messages.
func cidTopic(cid string) string       { return "cid:" + cid }
func callerTopic(caller string) string { return "caller:" + caller }

// A broker message is a reply's Prev and Caller, one line each, then its
// JSON form: subscribers read the JSON form once per instance and send it
// on as the frame, without encoding it again.
func encodeMessage(r Reply) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	msg := make([]byte, 0, len(r.Prev)+len(r.Caller)+2+len(b))
	msg = append(append(msg, r.Prev...), '\n')
	msg = append(append(msg, r.Caller...), '\n')
	return append(msg, b...), nil
}

var errMessage = errors.New("hub: malformed broker message")

// decodeMessage is the inverse of encodeMessage; the reply carries its frame.
func decodeMessage(msg []byte) (Reply, error) {
	prev, rest, ok1 := bytes.Cut(msg, []byte{'\n'})
	caller, body, ok2 := bytes.Cut(rest, []byte{'\n'})
	var r Reply
	if !ok1 || !ok2 || len(body) < 2 {
		return r, errMessage
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return r, err
	}
	r.Prev, r.Caller, r.frame = string(prev), string(caller), frameOf(body)
	return r, nil
}
