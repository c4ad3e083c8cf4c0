// Package callback is callhub's HTTP callback engine: for every reply of a
// request that named a callback, one Delivery, attempted by the Deliverer
// until the endpoint answers 2xx (delivered), 410 (failed) or the attempts
// run out (dead). A delivery with AckBy (callback.when "unacked") is
// first due then, and ends skipped, unattempted, when the reply was
// acknowledged by then (Config.Acks, receipt.go).
//
// The hub hands it replies through hub.Deliveries (Check at submit,
// Enqueue after a reply is stored, Status for the record). Deliveries live
// in a Queue shared by every instance (hub/memstore or hub/redisstore);
// Deliverer.Run claims due ones (one due at once is leased as it is
// queued, when the Queue is an AddLeaser and a worker is free, and
// started without a claim), attempts them with per-endpoint limits
// and shared endpoint Health, signs them with Standard Webhooks headers,
// and refuses addresses a callback may not reach (Policy and the dialer in
// ssrf.go). Within one cid, seq n+1 waits until seq n is delivered, failed
// or dead. Admin operations (List, Retry, RetryDead, Enable) are in
// admin.go.
//
// It imports hub and the standard library only.
package callback
