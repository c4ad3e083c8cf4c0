package memstore

import (
	"context"
	"sort"

	"github.com/callhub/callhub/hub"
)

// List implements Store: it reads every live record, so a page costs a
// walk of the store; fine for one instance's admin views.
func (m *Store) List(_ context.Context, f hub.RecordFilter) ([]hub.Record, string, error) {
	after, hasCursor, err := hub.ParseRecordCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	all := m.matching(f)
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j] // by the cursor's order: ms, then cid
		if am, bm := a.CreatedAt.UnixMilli(), b.CreatedAt.UnixMilli(); am != bm {
			return am > bm
		}
		return a.CID > b.CID
	})
	out := make([]hub.Record, 0, f.PageLimit())
	for i, rec := range all {
		if hasCursor && !after.Before(rec.CreatedAt.UnixMilli(), rec.CID) {
			continue
		}
		out = append(out, rec)
		if len(out) == f.PageLimit() {
			if i == len(all)-1 {
				return out, "", nil
			}
			return out, hub.RecordCursor{Ms: rec.CreatedAt.UnixMilli(), CID: rec.CID}.String(), nil
		}
	}
	return out, "", nil
}

// matching returns the live records f selects, with their last reply.
func (m *Store) matching(f hub.RecordFilter) []hub.Record {
	var out []hub.Record
	now := m.now()
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		for _, r := range sh.records {
			if now.Sub(r.rec.CreatedAt) > m.retention() || !f.Matches(r.rec) {
				continue
			}
			rec := r.rec
			if n := r.replies.len(); n > 0 {
				last := *r.replies.at(n - 1)
				rec.LastReply = &last
			}
			out = append(out, rec)
		}
		sh.mu.Unlock()
	}
	return out
}
