package hub

import "context"

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
