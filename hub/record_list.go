package hub

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// RecordFilter selects records for Store.List. Zero fields match all.
type RecordFilter struct {
	Caller    string
	ServiceID string
	State     string
	Stalled   bool      // only requests stalled now (StalledSince set)
	Since     time.Time // created at or after
	Limit     int       // defaults to 100
	Cursor    string    // from the previous page
}

// PageLimit is f.Limit, or 100 when unset.
func (f RecordFilter) PageLimit() int {
	if f.Limit <= 0 {
		return 100
	}
	return f.Limit
}

// Matches reports whether rec passes f's caller, service, state, stalled
// and since.
func (f RecordFilter) Matches(rec Record) bool {
	return (f.Caller == "" || rec.Caller == f.Caller) && (f.ServiceID == "" || rec.ServiceID == f.ServiceID) &&
		(f.State == "" || rec.State == f.State) && (!f.Stalled || rec.StalledSince != nil) && !rec.CreatedAt.Before(f.Since)
}

// RecordCursor is a position in newest-first order: the creation time (ms)
// and cid of the last record a page covered.
type RecordCursor struct {
	Ms  int64
	CID string
}

// ParseRecordCursor reads a cursor String wrote; "" is the start.
func ParseRecordCursor(s string) (RecordCursor, bool, error) {
	if s == "" {
		return RecordCursor{}, false, nil
	}
	ms, cid, ok := strings.Cut(s, ":")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || cid == "" {
		return RecordCursor{}, false, Invalid("cursor", "malformed cursor %q", s)
	}
	return RecordCursor{Ms: n, CID: cid}, true, nil
}

func (c RecordCursor) String() string { return strconv.FormatInt(c.Ms, 10) + ":" + c.CID }

// Before reports whether the record (ms, cid) comes after the cursor in
// newest-first order: older, or as old with a smaller cid.
func (c RecordCursor) Before(ms int64, cid string) bool {
	return ms < c.Ms || (ms == c.Ms && cid < c.CID)
}

// Requests returns one page of records for the admin API, newest first.
func (h *Hub) Requests(ctx context.Context, f RecordFilter) ([]Record, string, error) {
	if _, _, err := ParseRecordCursor(f.Cursor); err != nil {
		return nil, "", err
	}
	return h.store.List(ctx, f)
}
