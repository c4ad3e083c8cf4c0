package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/internal/testwait"
)

// lifecycleList is the part of a GET /v1/requests answer the lifecycle
// cases read.
type lifecycleList struct {
	Requests []struct {
		CID, State   string
		StalledSince *time.Time
		LastReply    *struct {
			Code   int
			Origin string
		}
	}
}

func (r *rig) listCIDs(query string) (lifecycleList, []string) {
	r.t.Helper()
	var l lifecycleList
	if s, err := r.tryGet("/v1/requests?"+query, "admin-key", &l); s != http.StatusOK || err != nil {
		r.t.Fatalf("GET /v1/requests?%s = %d, %v", query, s, err)
	}
	var cids []string
	for _, x := range l.Requests {
		cids = append(cids, x.CID)
	}
	return l, cids
}

// TestAdminStalledAndCanceled: ?stalled=true lists the requests stalled
// now, with stalledSince; ?state=canceled lists a canceled one, its last
// reply the hub's (origin hub); a bad stalled is a 400 naming it.
func TestAdminStalledAndCanceled(t *testing.T) {
	clock := &skewClock{}
	r := newRig(t, rigOptions{now: clock.now})
	a := r.async(map[string]any{"heartbeatMs": 60_000}) // a minute: only the skewed clock stalls them
	b := r.async(map[string]any{"heartbeatMs": 60_000})
	c := r.async(nil)
	if s, ans := r.do("DELETE", "/v1/requests/"+c.CID, "shop-key", nil); s != http.StatusOK {
		t.Fatalf("cancel = %d %+v", s, ans)
	}
	clock.advance(2 * time.Minute)
	testwait.Until(t, "both requests stalled", func() bool {
		_, cids := r.listCIDs("stalled=true")
		return slices.Contains(cids, a.CID) && slices.Contains(cids, b.CID)
	})
	if s, _ := r.send("POST", "/v1/replies/"+b.CID+"/heartbeat", "svc-key", nil); s != http.StatusNoContent {
		t.Fatalf("heartbeat = %d", s)
	}
	l, cids := r.listCIDs("stalled=true")
	if !slices.Equal(cids, []string{a.CID}) || l.Requests[0].StalledSince == nil {
		t.Errorf("stalled requests = %+v, want %s with stalledSince", l.Requests, a.CID)
	}
	l, cids = r.listCIDs("state=canceled")
	if !slices.Equal(cids, []string{c.CID}) || l.Requests[0].LastReply == nil ||
		l.Requests[0].LastReply.Code != 499 || l.Requests[0].LastReply.Origin != "hub" {
		t.Errorf("canceled requests = %+v, want %s ended by the hub's 499", l.Requests, c.CID)
	}
	if s, ans := r.do("GET", "/v1/requests?stalled=maybe", "admin-key", nil); s != http.StatusBadRequest || !strings.Contains(ans.Msg, "stalled") {
		t.Errorf("?stalled=maybe = %d %q, want 400 naming stalled", s, ans.Msg)
	}
}
