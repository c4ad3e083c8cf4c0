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
//     (Store.CreateRequest), reserves the step (Store.BeginStep) so a
//     repeated (cid, seq) is never forwarded twice, forwards it to the
//     service with the Callhub-* headers, and stores the outcome
//     (Store.FinishStep). Sync callers get the answer; async callers get
//     the cid and a ws token at once.
//  2. The service posts replies (Hub.PostReply). Store.AppendReply stores
//     each one atomically under an increasing offset, then the hub
//     publishes it on the Broker topics "cid:<cid>" and "caller:<id>" and
//     queues its HTTP callback (Deliveries). A reply is acknowledged only
//     after it is stored.
//  3. Subscribers (WebSocket, SSE, long-poll) hold a Subscriber: Recover
//     replays stored replies after an offset, Live switches to the bounded
//     inbox C. Broker delivery is at most once; a subscriber that sees a
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
package hub
