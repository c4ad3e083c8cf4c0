package redisstore

import "context"

// wire carries a broker's channels to and from Redis: classicWire
// (PUBLISH/SUBSCRIBE on one connection) or shardedWire (SPUBLISH/
// SSUBSCRIBE with one connection per Cluster node). A wire hands what it
// receives to its broker's message and resync, and its receive errors to
// receiveFailed. The broker orders subscribe and unsubscribe of a channel.
// Each connection subscribes a probe channel of its own, on which the
// broker's prober checks that it still hears.
type wire interface {
	// subscribe starts receiving channel. On an error the channel stays
	// wanted, and is subscribed once Redis answers, until unsubscribe.
	subscribe(ctx context.Context, channel string) error
	unsubscribe(channel string)
	publish(ctx context.Context, channel string, msg []byte) error
	// probes lists the wire's connections for the prober (probe.go).
	probes() []probeTarget
	// receiving reports an error while some channel is subscribed on no
	// connection.
	receiving() error
	// close stops receiving and waits for the wire's goroutines.
	close()
}
