package redisstore

import (
	"context"
	"encoding/json"

	"github.com/callhub/callhub/hub"
)

var openScript = luaScript("open.lua")

var _ hub.StepOpener = (*Store)(nil)

// OpenStep implements hub.StepOpener: one script call (and the request
// index's XADD for a new cid), where CreateRequest and BeginStep make
// two.
func (s *Store) OpenStep(ctx context.Context, rec hub.Record, st hub.Step) (hub.Record, bool, hub.Step, bool, error) {
	b, _ := json.Marshal(st)
	args := []any{s.retention.Milliseconds(), st.Seq, b, rec.Caller, rec.ServiceID}
	for k, v := range recordFields(rec) {
		args = append(args, k, v)
	}
	res, err := s.eval(ctx, openScript, []string{s.key("req", rec.CID), s.key("steps", rec.CID)}, args...).StringSlice()
	if err != nil {
		return hub.Record{}, false, hub.Step{}, false, wrap(err)
	}
	if res[0] == "1" {
		return rec, true, st, true, s.index(ctx, rec)
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
