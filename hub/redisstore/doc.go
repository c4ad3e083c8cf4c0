// Package redisstore implements hub.Store, hub.Broker and callback.Queue on
// Redis, for any number of hub instances. It is the only package that
// imports go-redis. Standalone, Sentinel and Cluster all work through
// go-redis's UniversalClient; every key of one cid carries the hash tag
// {cid}, so a cid's keys live in one Cluster slot and scripts may touch
// them together.
//
// Keys and channels, under the configured prefix, with the Cluster slot
// each lives in and what makes it hot:
//
//	req:{cid}       hash: the record (caller, service, state, callback, ...;
//	                not the cid, which the key names),
//	                and s<seq> → offset for each stored reply (dedupe).
//	                Slot of cid. Read and written by every request and reply
//	                of the cid.
//	steps:{cid}     hash: seq → step outcome (idempotent forwarding). Slot
//	                of cid.
//	replies:{cid}   stream: the replies, each entry the broker message
//	                (header "h", frame "f"); the stream id is the offset.
//	                Slot of cid. Appended by every reply; read by gap fills.
//	rseq:{cid}      hash: seq → offset, for records of an older callhub only
//	ack:{tag}       string, 1s: the marker each write with WaitReplicas sets
//	                before WAIT (see durability). Slot of the write.
//	cid:{cid}       channel: live fan-out of the cid's replies. Slot of cid;
//	                one message per reply. On a Cluster it is a shard
//	                channel: SPUBLISH in the append script, on the cid's
//	                master only.
//	caller:<id>     channel: every reply of a caller's cids, published only
//	                while some instance follows the caller. On a Cluster
//	                caller:{<id>}, a shard channel in the caller's slot: one
//	                busy caller loads one master, callers spread over all.
//	probe:<instance>
//	                channel: the probe of this instance's pub/sub
//	                connection (probe.go): two messages a second, heard by
//	                this instance alone. On a sharded Cluster one per node
//	                connection, probe:<instance>:{<tag>}, in a slot of that
//	                node.
//	ready           string, 60s: the write Ping makes. One slot.
//	follows         sorted set and channel: the callers instances follow
//	                (member: caller, score: until when, unix ms); one
//	                message per instance every FollowAnnounce (5s), and one
//	                per newly followed caller. One slot; never hot.
//	{t}:reqs        stream, one per partition: the cids of the partition
//	                by creation time (the stream id), the admin's list of
//	                requests (list.go). One entry per new request: off a
//	                Cluster written by the script that creates the record
//	                (open.lua), on a Cluster (another slot) an XADD of its
//	                own.
//	{t}:d:<cid> {t}:due {t}:pend {t}:list {t}:dead {t}:c:<token>
//	                the delivery queue (queue.go): a cid's deliveries, and
//	                per partition the heads due or leased, the pending
//	                ones, every one by creation, the dead ones, and what
//	                each claim leased (until its lease ends, so that the
//	                claim sent again after its answer was lost answers the
//	                same deliveries). A callback costs two script calls
//	                (add, which leases it to the instance that queued it,
//	                and save), three when it is claimed instead, each in
//	                one partition's slot.
//	{t}:timers {t}:tc:<token>
//	                the lifecycle timers (lifecycle.go): per partition a
//	                sorted set of "<kind>|<cid>" by due time (unix ms),
//	                or while it fires by when its lease ends less half a
//	                millisecond (a score no SetTimer sets), and what each
//	                timer claim leased, kept as the delivery claims keep
//	                theirs.
//	{dq}:health {dq}:seen {dq}:callers:<endpoint>
//	                the endpoints' failure streaks, last attempts and
//	                callers (health.go, health_list.go). One slot, never
//	                hot: an instance reads a streak at most once a second
//	                and writes an attempt at most once a second per
//	                endpoint, caller and status.
//
// {t} is a partition's hash tag (partition.go): the queue and the request
// list are split into Partitions partitions, by the slot of the cid, each
// in its own slot and the slots spread evenly over the range, so on a
// Cluster they spread over the masters. Nothing is shared by every
// request or every callback. What is still global: {dq}:health and its
// companions (cold, above), the follows set and channel (cold), and the
// previous release's keys while an upgrade moves them (queue_upgrade.go).
//
// Every key of a cid expires with its record, retention after it was
// created; each key's expiry is set once, when the key is created. A new
// request costs one round trip off a Cluster (OpenStep's script creates
// the record, reserves its step and indexes it), two on one. A stored
// reply costs one round trip: the append script stores it and
// publishes it on the cid's channel (see appendScript). Writes made at
// the same time share round trips: the scripts (creating a request,
// beginning a step, appending a reply) go through go-redis's
// autopipeliner, which sends whatever queued while a batch was in flight
// as the next batch, pipelined on one connection. A lone write on an idle
// connection goes out at once; while batches are in flight it may wait a
// fraction of a millisecond (go-redis's silence gap, 200 µs to 2 ms) for
// more to join. Under load Redis reads and answers many scripts per
// system call, on both sides.
//
// Pub/sub runs on a wire (wire.go): classic PUBLISH/SUBSCRIBE on one
// connection for standalone and Sentinel; on a Cluster of Redis 7 or
// later, sharded pub/sub with one connection per master that holds
// channels this instance needs, following slot moves and failovers
// (sharded.go, cluster.go). A Cluster older than Redis 7 gets classic
// pub/sub, which it broadcasts to every node; Open logs which it chose.
//
// Every call is bounded by Config.Timeout (bound.go): a hung Redis fails
// it with hub.ErrUnavailable within that time, and go-redis retries
// nothing once it has passed. On a Cluster a call that times out has the
// slot map read again, from every node at once (topology.slots), so a
// failed-over slot's commands leave the hung old master at once.
//
// A pub/sub connection can hear nothing and fail no read: a partition or
// a proxy that leaves it open, a hung node. The broker's prober
// (probe.go) publishes a token on each connection's probe channel twice a
// second; a connection that misses the token of 2 seconds ago is
// replaced, and its subscribers re-read the store. Ping, what /readyz
// asks, fails while a connection is deaf, and is itself a write, on
// connections no other call uses (see Store.Ping).
//
// Leases of claimed work end at a time read on the claiming instance's
// clock, so the Store checks that clock against Redis's (clock.go): two
// TIMEs (the shorter round trip counts) when it opens and every 30
// seconds, on each master of a Cluster, reported to Config.OnClockOffset
// and logged when over a second off. An idle instance sends them beside
// the scans of watch.go, about 0.07 commands a second per master.
//
// With Config.WaitReplicas, each write (CreateRequest, BeginStep,
// FinishStep, AppendReply, Queue.Add) is followed on its connection by
// WAIT, and fails with hub.ErrUnavailable unless that many replicas
// confirm it within WaitTimeout (wait.go).
package redisstore
