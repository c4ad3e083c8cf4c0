// Package hub is callhub's domain and its orchestration: requests,
// records, replies and their one JSON form, subscriptions, and who may do
// what with a cid (Authorize), on the Store, Broker and Deliveries
// interfaces it declares. It imports only the standard library and uuid;
// the backends live in hub/memstore and hub/redisstore, the callback
// engine in hub/callback, the HTTP front in api.
//
// The lifecycle of one cid:
//
//  1. A caller submits a Request (Hub.Submit). The hub stores the record
//     (Store.CreateRequest), reserves the step (Store.BeginStep; both in
//     one call with a StepOpener) so a repeated (cid, seq) is never
//     forwarded twice, forwards it to the
//     service with the Callhub-* headers, and stores the outcome
//     (Store.FinishStep). Sync callers get the answer; async callers get
//     the cid and a ws token at once. A service whose breaker is open
//     (Service.Breaker) is not forwarded to: the request is refused with
//     an *OpenError before anything is stored.
//  2. The service posts replies (Hub.PostReply). Store.AppendReply stores
//     each one atomically under an increasing offset, then the hub
//     publishes it on the Broker topics "cid:<cid>" and "caller:<id>"
//     (unless the Broker knows neither has a subscriber: AudienceBroker)
//     and queues its HTTP callback (Deliveries). A reply is acknowledged
//     only after it is stored.
//  3. Subscribers (WebSocket, SSE, long-poll) hold a Subscriber: Recover
//     replays stored replies after an offset, Live switches to the bounded
//     inbox C (or, for NewSubscriberFunc, a queue read with Next that
//     holds no buffer while empty and calls back when it fills, so an
//     idle WebSocket needs no goroutine waiting on it). Broker delivery is at most once; a subscriber that sees a
//     gap in offsets (Reply.Prev) re-reads the Store, so no reply is missed
//     or repeated. A subscriber whose inbox is full is dropped (ErrSlow),
//     never waited for. A WebSocket subscriber may acknowledge the replies
//     it saw (Hub.Ack, Store.Ack): the record shows each one's AckedAt.
//  4. Callbacks are delivered by hub/callback with retries and
//     signatures; the record (Hub.Record) shows their state. A request
//     whose callback says When "unacked" has a reply's callback wait
//     AfterMs and skipped if the reply was acknowledged by then
//     (receipt.go).
//  5. An async cid may end without its service: at its deadline or on a
//     cancel the hub stores a terminal reply itself (origin "hub"); the
//     lifecycle's timers (Store.SetTimer, claimed by whichever instance is
//     alive) fire deadlines and stall checks; heartbeats reach
//     subscribers as progress events (lifecycle.go, events.go).
//
// Files on the hub's disk are an adapter of their own, hub/filestore; a
// Request's Upload is a file the front door spooled, owned by Submit
// once handed over (Upload.Remove).
//
// Where things live, by the prefix of their file's name:
//
//	hub.go, doc.go, errors.go, observer*.go, trace.go   the Hub, its Config, errors and what it reports
//	store.go                                            the Store it keeps everything in
//	request.go, submit.go                               a request step and its way to a service
//	forward*.go, service*.go                            forwarding: the client, uploads, downloads; services and their breakers
//	reply*.go                                           replies: PostReply, their one JSON form, old services' answers by callbackId
//	broker*.go, subscriber.go                           fan-out: broker messages, topics, subscribers
//	record*.go                                          records and their list
//	access.go, token.go                                 who may do what; the four kinds of token
//	lifecycle*.go                                       deadlines, cancel, heartbeats, stalls, receipts, their timers
//
// The package map (an arrow is an import; nothing points back up):
//
//	cmd/callhub → api, web, hub/redisstore, hub/memstore, hub/filestore, hub/callback, hub/demo, hub
//	api → hub/callback, hub/filestore, hub
//	hub/redisstore, hub/memstore → hub/callback, hub;  hub/filestore, hub/callback → hub
//	hub → the standard library and uuid
//
// Until the layout of late 2026 the map was the same but for
// hub/filestore: hub itself held the files on disk (Blobs, Downloads),
// which only api and cmd/callhub used; the CLI in cmd/callhub carried a
// client and a WebSocket follower of its own beside api/hubclient, which
// it now uses.
package hub
