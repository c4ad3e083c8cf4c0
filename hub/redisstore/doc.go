// Package redisstore implements hub.Store, hub.Broker and callback.Queue on
// Redis, for any number of hub instances. It is the only package that
// imports go-redis. Standalone, Sentinel and Cluster all work through
// go-redis's UniversalClient; every key of one cid carries the hash tag
// {cid}, so a cid's keys live in one Cluster slot and scripts may touch
// them together.
//
// Keys, under the configured prefix:
//
//	req:{cid}       hash: the record (caller, service, state, callback, ...)
//	steps:{cid}     hash: seq → step outcome (idempotent forwarding)
//	rseq:{cid}      hash: seq → offset (idempotent replies)
//	replies:{cid}   stream: the replies; the stream id is the offset
//	cid:{cid}       channel: live fan-out of the cid's replies
//	caller:<id>     channel: every reply of a caller's cids
//
// Every key expires with the record, retention after it was created.
package redisstore
