// Package redisstore implements hub.Store, hub.Broker and callback.Queue on
// Redis, for any number of hub instances. It is the only package that
// imports go-redis. Standalone, Sentinel and Cluster all work through
// go-redis's UniversalClient; every key of one cid carries the hash tag
// {cid}, so a cid's keys live in one Cluster slot and scripts may touch
// them together.
//
// Keys, under the configured prefix:
//
//	req:{cid}       hash: the record (caller, service, state, callback, ...),
//	                and s<seq> → offset for each stored reply (dedupe)
//	steps:{cid}     hash: seq → step outcome (idempotent forwarding)
//	replies:{cid}   stream: the replies, each entry the broker message
//	                (header "h", frame "f"); the stream id is the offset
//	rseq:{cid}      hash: seq → offset, for records of an older callhub only
//	cid:{cid}       channel: live fan-out of the cid's replies
//	caller:<id>     channel: every reply of a caller's cids, published only
//	                while some instance follows the caller
//	follows         sorted set and channel: the callers instances follow
//	                (member: caller, score: until when, unix ms)
//	reqs            sorted set: every cid by creation time (unix ms), the
//	                admin's list of requests (see list.go); one key, so one
//	                Cluster slot: each new request adds one entry and trims
//	                those older than the retention
//	{dq}:...        the delivery queue and endpoint health (queue_scripts.go)
//
// Every key of a cid expires with its record, retention after it was
// created; each key's expiry is set once, when the key is created. A
// stored reply costs one round trip: the append script stores it and
// publishes it on the cid's channel (see appendScript).
package redisstore
