package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/gin-gonic/gin"
)

// postRequest is POST /v1/requests.
func (s *Server) postRequest(c *gin.Context) {
	caller, err := s.callerOf(c.Request)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if isMultipart(c.Request) {
		s.postUpload(c, caller)
		return
	}
	body, err := readBody(c.Request.Body)
	if err != nil {
		s.writeError(c, err)
		return
	}
	req, err := decodeRequest(body)
	if err != nil {
		s.writeError(c, err)
		return
	}
	req.Caller = caller
	if req.Download {
		s.download(c, req, s.writeError)
		return
	}
	out, err := s.hub.Submit(c.Request.Context(), req)
	if err != nil {
		noteCID(c.Request, out.CID)
		s.writeError(c, err)
		return
	}
	s.writeOutcome(c, out)
}

// writeOutcome answers a submitted request: 200 sync, 202 async.
func (s *Server) writeOutcome(c *gin.Context, out hub.Outcome) {
	noteCID(c.Request, out.CID)
	if b, ok := asyncAnswer(out); ok {
		writeJSONBody(c, http.StatusAccepted, b)
		return
	}
	body := outcomeBody{CID: out.CID, Msg: "ok", Seq: out.Seq, Status: out.Status, Data: out.Data}
	status := http.StatusOK
	if out.Async {
		body.Msg, body.WSToken, status = "accepted", &out.WSToken, http.StatusAccepted
	}
	c.JSON(status, body)
}

// outcomeBody is the answer to POST /v1/requests; its keys come in the
// order encoding/json gives a map's, as they did when it was one.
type outcomeBody struct {
	CID     string          `json:"cid"`
	Code    int             `json:"code"`
	Data    json.RawMessage `json:"data"`
	Msg     string          `json:"msg"`
	Seq     int             `json:"seq"`
	Status  int             `json:"status"`
	WSToken *string         `json:"wsToken,omitempty"` // async only, even when empty
}

// asyncAnswer is the answer to an async request whose service answered
// without a body, as most do (202), written by hand as json.Marshal
// writes its outcomeBody; ok is false for any other outcome, and for a
// cid or token that would need escaping.
func asyncAnswer(out hub.Outcome) ([]byte, bool) {
	if !out.Async || (out.Data != nil && string(out.Data) != `""`) || !plainJSON(out.CID) || !plainJSON(out.WSToken) {
		return nil, false
	}
	data := "null"
	if out.Data != nil {
		data = `""`
	}
	b := make([]byte, 0, 96+len(out.CID)+len(out.WSToken))
	b = append(append(append(b, `{"cid":"`...), out.CID...), `","code":0,"data":`...)
	b = append(append(b, data...), `,"msg":"accepted","seq":`...)
	b = strconv.AppendInt(b, int64(out.Seq), 10)
	b = strconv.AppendInt(append(b, `,"status":`...), int64(out.Status), 10)
	return append(append(append(b, `,"wsToken":"`...), out.WSToken...), `"}`...), true
}

// plainJSON reports whether s is the same inside a JSON string as
// json.Marshal writes it: printable ASCII that needs no escape, HTML's
// <, > and & included.
func plainJSON(s string) bool {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// maxWait bounds a long-poll.
const maxWait = 5 * time.Minute

// getRequest is GET /v1/requests/{cid}, a long-poll with ?wait=&after=.
func (s *Server) getRequest(c *gin.Context) {
	cid := c.Param("cid")
	ctx := c.Request.Context()
	p, err := s.principal(c.Request, readToken(c.Request))
	if err != nil {
		s.writeError(c, err)
		return
	}
	wait, after, err := pollParams(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if wait > 0 {
		if _, err := s.hub.Authorize(ctx, p, hub.ActRead, cid); err != nil {
			s.writeError(c, err)
			return
		}
		if err := s.awaitReply(c, cid, after, wait); err != nil {
			s.writeError(c, err)
			return
		}
	}
	rec, err := s.hub.Record(ctx, p, cid)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if c.Query("after") != "" {
		rec.Replies = newer(rec.Replies, after)
	}
	out := gin.H{"code": 0, "msg": "ok", "cid": cid, "serviceId": rec.ServiceID,
		"caller": rec.Caller, "state": rec.State, "mode": rec.Mode, "createdAt": rec.CreatedAt, "steps": rec.Steps,
		"replies": rec.Replies, "deliveries": rec.Deliveries}
	addLifecycle(out, rec)
	c.JSON(http.StatusOK, out)
}

// addLifecycle adds the record's lifecycle fields that are set.
func addLifecycle(out gin.H, rec *hub.Record) {
	if rec.DeadlineAt != nil {
		out["deadlineAt"] = rec.DeadlineAt
	}
	if rec.HeartbeatMs > 0 {
		out["heartbeatMs"] = rec.HeartbeatMs
	}
	if rec.StalledSince != nil {
		out["stalledSince"] = rec.StalledSince
	}
}

func pollParams(c *gin.Context) (time.Duration, string, error) {
	var wait time.Duration
	if w := c.Query("wait"); w != "" {
		d, err := time.ParseDuration(w)
		if err != nil || d < 0 || d > maxWait {
			return 0, "", hub.Invalid("wait", "must be a duration between 0s and %s, like 30s", maxWait)
		}
		wait = d
	}
	after := c.Query("after")
	if !hub.ValidOffset(after) {
		return 0, "", hub.Invalid("after", "malformed offset %q", after)
	}
	return wait, after, nil
}

func newer(rs []hub.Reply, after string) []hub.Reply {
	out := []hub.Reply{}
	for _, r := range rs {
		if hub.OffsetLess(after, r.Offset) {
			out = append(out, r)
		}
	}
	return out
}

// awaitReply returns when cid has a reply after the given offset, or
// when wait ends.
func (s *Server) awaitReply(c *gin.Context, cid, after string, wait time.Duration) error {
	ctx := c.Request.Context()
	sub := s.hub.NewSubscriber()
	defer sub.Close()
	found := false
	emit := func(hub.Reply) error { found = true; return nil }
	if _, err := sub.Recover(ctx, cid, after, emit); err != nil || found {
		return err
	}
	if err := sub.Live(ctx, cid, emit); err != nil || found {
		return err
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case r := <-sub.C():
			if r.Event() != "" {
				continue // progress and stalls are not replies
			}
		case <-sub.Done():
		case <-t.C:
		case <-ctx.Done():
		case <-s.hub.Done():
		}
		return nil
	}
}
