package memstore

import (
	"context"
	"time"

	"github.com/callhub/callhub/hub"
)

// signed records a sign of life at at and reports whether it ended a
// stall; the shard's lock is held.
func (r *memRecord) signed(at time.Time) (resumed bool) {
	r.sign = at
	resumed = r.rec.StalledSince != nil
	r.rec.StalledSince = nil
	return resumed
}

// Sign implements hub.Store.
func (m *Store) Sign(_ context.Context, cid string, at time.Time) (hub.Signed, error) {
	sh := m.lock(cid)
	defer sh.mu.Unlock()
	r, err := m.find(sh, cid)
	if err != nil {
		return hub.Signed{}, err
	}
	if r.ended {
		return hub.Signed{}, hub.Ended(cid, r.rec.State)
	}
	return hub.Signed{Resumed: r.signed(at), Caller: r.rec.Caller, HeartbeatMs: r.rec.HeartbeatMs}, nil
}

// CheckStall implements hub.Store.
func (m *Store) CheckStall(_ context.Context, cid string, now time.Time) (hub.Stall, error) {
	sh := m.lock(cid)
	defer sh.mu.Unlock()
	r, err := m.find(sh, cid)
	if err != nil {
		return hub.Stall{}, err
	}
	st := hub.Stall{Caller: r.rec.Caller}
	if r.ended || r.rec.HeartbeatMs <= 0 || r.rec.StalledSince != nil {
		return st, nil
	}
	due := r.sign.Add(time.Duration(r.rec.HeartbeatMs) * time.Millisecond)
	if now.Before(due) {
		st.Next = due
		return st, nil
	}
	st.Stalled, st.Since = true, r.sign
	r.rec.StalledSince = &st.Since
	return st, nil
}
