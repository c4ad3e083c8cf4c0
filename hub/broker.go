package hub

import (
	"context"
	"strings"
)

// Broker fans messages out to every hub instance. Delivery is at most once:
// the hub re-reads the Store when it notices a gap, so a Broker may drop.
// A Broker that knows it lost messages (it reconnected, say) sends an empty
// message on the topic: subscribers then re-read the Store. A message is
// read only, by the Broker and every subscriber alike: a Broker may hand
// the same bytes to each subscriber, or bytes it cannot change.
type Broker interface {
	Publish(ctx context.Context, topic string, msg []byte) error
	// Subscribe delivers topic's messages until ctx is done, then closes
	// the channel.
	Subscribe(ctx context.Context, topic string) (<-chan []byte, error)
}

// FuncBroker is a Broker that hands a subscription's messages to a
// function instead of a channel: no buffer and no goroutine per
// subscription, so an idle subscriber costs little and a message is not
// handed from goroutine to goroutine. deliver is called in publish order
// for each publisher, must not block, and gets an empty message when
// messages may have been lost; it may still be called briefly after ctx
// ends. The hub uses SubscribeFunc when its Broker has it.
type FuncBroker interface {
	Broker
	SubscribeFunc(ctx context.Context, topic string, deliver func(msg []byte)) error
}

// AudienceBroker is a Broker that knows every subscriber of a topic
// without a round trip: one process's memory broker, whose subscribers
// are all on this instance. The hub builds no message that no subscriber
// of its topics would read. A broker shared by instances (Redis) cannot
// know this without asking, and does not implement it.
type AudienceBroker interface {
	Broker
	// Heard reports whether topic has a subscriber now.
	Heard(topic string) bool
}

// TopicBuffer is how many messages a Broker should hold for one local
// subscription of topic before it loses some (and says so). A cid topic
// sees a few replies at a time and its loss is repaired from the store, so
// its buffer is small: an idle subscription costs little. A caller topic
// carries every reply of a caller and is never repaired (at least once,
// live only), so it gets room for bursts.
func TopicBuffer(topic string) int {
	if strings.HasPrefix(topic, "caller:") {
		return 1024
	}
	return 32
}

// Topics of the hub's broker messages.
func cidTopic(cid string) string       { return "cid:" + cid }
func callerTopic(caller string) string { return "caller:" + caller }
