package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/gin-gonic/gin"
)

// requestStates are the states GET /v1/requests filters on.
var requestStates = map[string]bool{"": true, hub.StatePending: true, hub.StateReplied: true,
	hub.StateCompleted: true, hub.StateFailed: true, hub.StateExpired: true, hub.StateCanceled: true}

// requestSummary is one request as GET /v1/requests lists it.
type requestSummary struct {
	CID       string        `json:"cid"`
	Caller    string        `json:"caller"`
	ServiceID string        `json:"serviceId"`
	Mode      string        `json:"mode,omitempty"`
	State     string        `json:"state"`
	CreatedAt time.Time     `json:"createdAt"`
	LastReply *replySummary `json:"lastReply,omitempty"`
}

// replySummary is a request's newest reply, without its data.
type replySummary struct {
	Seq    int       `json:"seq"`
	IsEnd  bool      `json:"isEnd"`
	Code   int       `json:"code"`
	Msg    string    `json:"msg,omitempty"`
	Offset string    `json:"offset"`
	At     time.Time `json:"at"`
}

func summarize(rec hub.Record) requestSummary {
	s := requestSummary{CID: rec.CID, Caller: rec.Caller, ServiceID: rec.ServiceID, Mode: rec.Mode,
		State: rec.State, CreatedAt: rec.CreatedAt}
	if r := rec.LastReply; r != nil {
		s.LastReply = &replySummary{Seq: r.Seq, IsEnd: r.IsEnd, Code: r.Code, Msg: r.Msg, Offset: r.Offset, At: r.At}
	}
	return s
}

// listRequests is GET /v1/requests?caller=&service=&state=&since=&limit=&cursor=.
func (s *Server) listRequests(c *gin.Context) {
	f, err := requestFilter(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	recs, next, err := s.hub.Requests(c.Request.Context(), f)
	if err != nil {
		s.writeError(c, err)
		return
	}
	out := make([]requestSummary, len(recs))
	for i, rec := range recs {
		out[i] = summarize(rec)
	}
	c.JSON(http.StatusOK, gin.H{"code": 0, "msg": "ok", "requests": out, "cursor": next})
}

func requestFilter(c *gin.Context) (hub.RecordFilter, error) {
	f := hub.RecordFilter{Caller: c.Query("caller"), ServiceID: c.Query("service"), State: c.Query("state"),
		Cursor: c.Query("cursor")}
	if !requestStates[f.State] {
		return f, hub.Invalid("state", "must be pending, replied, completed, failed, expired or canceled, got %q", f.State)
	}
	var err error
	if f.Since, err = sinceParam(c); err != nil {
		return f, err
	}
	f.Limit, err = limitParam(c)
	return f, err
}

// sinceParam reads ?since= (RFC 3339); zero when absent.
func sinceParam(c *gin.Context) (time.Time, error) {
	v := c.Query("since")
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, hub.Invalid("since", "must be an RFC 3339 time like 2026-01-02T15:04:05Z")
	}
	return t, nil
}

// limitParam reads ?limit= (1 to 1000); 0 when absent.
func limitParam(c *gin.Context) (int, error) {
	l := c.Query("limit")
	if l == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil || n < 1 || n > 1000 {
		return 0, hub.Invalid("limit", "must be an integer from 1 to 1000")
	}
	return n, nil
}
