package memstore

import "github.com/callhub/callhub/hub/callback"

// Replies of a cid form a chain in the order they were stored: each
// delivery's Reply.Prev is the offset of the reply stored before its own.
// A delivery whose Prev names a reply with no delivery here is waiting for
// that one: the hub stored the reply but failed to queue its callback, and
// queues it when the service retries. Its seq is unknown until then (seqs
// need not come in order), so the whole cid waits: no delivery of a cid
// with a gap is claimed.
//
// Forgetting a finished delivery opens no false gap: it is forgotten
// Retention after it finished, when its record (kept as long) is gone and
// no later reply of the cid can come.

// link records d in its cid's chain: d may fill a gap, or open one.
func (c *cidQueue) link(d callback.Delivery) {
	delete(c.gaps, d.Reply.Offset)
	p := d.Reply.Prev
	if p == "" || c.hasOffset(p) {
		return
	}
	if c.gaps == nil {
		c.gaps = map[string]struct{}{}
	}
	c.gaps[p] = struct{}{}
}

// hasOffset reports whether a delivery of the cid is for the reply at
// offset. A Prev is usually the last reply's: the search starts there.
func (c *cidQueue) hasOffset(offset string) bool {
	for i := len(c.list) - 1; i >= 0; i-- {
		if c.list[i].offset == offset {
			return true
		}
	}
	return false
}
