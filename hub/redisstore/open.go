package redisstore

import (
	"context"
	"encoding/json"

	"github.com/callhub/callhub/hub"
)

var openScript = luaScript("open.lua")

var _ hub.StepOpener = (*Store)(nil)

// OpenStep implements hub.StepOpener: one script call, where CreateRequest
// and BeginStep make two. Off a Cluster the script also adds a new cid to
// the request index (list.go); on a Cluster that is an XADD of its own,
// the index being in another slot.
func (s *Store) OpenStep(ctx context.Context, rec hub.Record, st hub.Step) (hub.Record, bool, hub.Step, bool, error) {
	b := encodeStep(st)
	keys := []string{s.key("req", rec.CID), s.key("steps", rec.CID)}
	id, trim, cid := "", "", ""
	if s.topo == nil { // not a Cluster: any keys may share a script
		keys = append(keys, s.indexKey(rec.CID))
		id, cid, trim = indexID(rec), rec.CID, s.nextIndexTrim()
	}
	args := append(make([]any, 0, 8+recordFieldsLen), s.retention.Milliseconds(), st.Seq, b, rec.Caller, rec.ServiceID, id, trim, cid)
	args = appendRecordFields(args, rec) // one slice for all
	res, err := s.eval(ctx, openScript, keys, args...).StringSlice()
	if err != nil {
		return hub.Record{}, false, hub.Step{}, false, wrap(err)
	}
	if res[0] == "1" {
		if s.topo != nil {
			return rec, true, st, true, s.index(ctx, rec)
		}
		s.indexed.Add(1)
		return rec, true, st, true, nil
	}
	stored := parseRecord(rec.CID, pairs(res[3:]))
	switch res[1] {
	case "foreign":
		return stored, false, hub.Step{}, false, nil
	case "exists":
		var old hub.Step
		err := json.Unmarshal([]byte(res[2]), &old)
		return stored, false, old, false, err
	}
	return stored, false, st, true, nil
}
