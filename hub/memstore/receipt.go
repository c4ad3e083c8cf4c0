package memstore

import (
	"context"
	"sort"
	"time"

	"github.com/callhub/callhub/hub"
)

// Ack implements Store: a step is kept only when it reaches a reply the
// watermark had not, so a cid has at most one step per reply.
func (m *Store) Ack(_ context.Context, cid, offset string, at time.Time) error {
	sh := m.lock(cid)
	defer sh.mu.Unlock()
	r, err := m.find(sh, cid)
	if err != nil {
		return err
	}
	n := r.replies.len()
	if n == 0 || hub.OffsetLess(r.replies.at(n-1).Offset, offset) {
		return hub.Invalid("offset", "%s is past the last reply of cid %s", offset, cid)
	}
	// the newest reply at or before offset
	i := sort.Search(n, func(i int) bool { return hub.OffsetLess(offset, r.replies.at(i).Offset) }) - 1
	if i < 0 {
		return nil // before the first reply: acknowledges nothing
	}
	top := r.replies.at(i).Offset
	if k := len(r.acks); k > 0 && !hub.OffsetLess(r.acks[k-1].Offset, top) {
		return nil
	}
	r.acks = append(r.acks, hub.AckStep{Offset: top, At: at.UTC()})
	return nil
}

// AckedAt implements Store.
func (m *Store) AckedAt(_ context.Context, cid, offset string) (time.Time, bool, error) {
	sh := m.lock(cid)
	defer sh.mu.Unlock()
	r, err := m.find(sh, cid)
	if err != nil {
		return time.Time{}, false, nil
	}
	at, ok := hub.AckedAt(r.acks, offset)
	return at, ok, nil
}
