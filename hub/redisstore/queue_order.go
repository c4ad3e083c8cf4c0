package redisstore

import (
	"context"
	"time"

	"github.com/callhub/callhub/hub/callback"
	"github.com/redis/go-redis/v9"
)

// Per-cid order when enqueueing fails. Replies of a cid form a chain in
// the order they were stored: a delivery's Reply.Prev is the offset of
// the reply stored before its own. The add script keeps, per cid, the
// offsets of queued deliveries (dof) and the offsets a delivery named as
// its Prev that have none yet (dgp, the gaps): the hub stored that reply
// but failed to queue its callback, and queues it when the service
// retries. The missing reply's seq is unknown until then (seqs need not
// come in order), so while dgp is not empty the lease script answers
// "wait" for every delivery of the cid. The Add that fills the last gap
// answers the cid's head, which it schedules again (a waiting delivery
// was dropped from the stream). All of it is in the cid's slot, in the
// scripts that ran anyway: a reply costs no extra round trip.
//
// A cid whose deliveries an older callhub stored (dst without dof) is not
// linked, so no upgrade opens a gap that nothing fills.

// scheduleHead queues the ZADD of seq of cid, the head of a cid whose
// last gap was just filled (0: none).
func (q *Queue) scheduleHead(ctx context.Context, pipe redis.Pipeliner, cid string, seq int) {
	if seq > 0 {
		pipe.ZAddNX(ctx, q.qkey("delayed"), redis.Z{Score: float64(time.Now().UnixMilli()), Member: callback.DeliveryID(cid, seq)})
	}
}
