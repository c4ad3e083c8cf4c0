package redisstore

// Per-cid order when enqueueing fails. Replies of a cid form a chain in
// the order they were stored: a delivery's Reply.Prev is the offset of
// the reply stored before its own. The add script keeps, in the cid's
// hash, the offset of each queued reply that is not its cid's last
// ("o<offset>"), and the offsets a delivery named as its Prev that have
// no delivery yet ("g", the gaps): the hub stored that reply but failed
// to queue its callback, or queues it a moment later (replies of one cid
// posted at once). The missing reply's seq is unknown until then (seqs
// need not come in order), so while "g" is not empty the cid's head is
// not claimed. The Add that fills the last gap schedules the head again
// at its own due time. All of it is in the scripts that run anyway: a
// reply costs no extra round trip, and the first reply of a cid (no Prev)
// reads nothing else.
