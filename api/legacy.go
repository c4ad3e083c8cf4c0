package api

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/gin-gonic/gin"
)

// The old middleware's result codes: 0 success, 1 bad input or no
// registration (an unknown service), 2 an exception (the service failed,
// timed out or is unreachable, or a callbackId that is gone or answered),
// 3 signature failed (callhub never sends it). callhub adds its own kinds
// from 4 on, stable from here on.
const (
	legacyOK          = 0
	legacyBadInput    = 1 // a field is missing or malformed (msg names it), or no registration
	legacyException   = 2
	legacyConflict    = 4 // cid of another caller/service, reply after the end
	legacyDenied      = 5 // no key, bad key, key not allowed here
	legacyTooLarge    = 6
	legacyUnavailable = 7 // the store is unreachable: nothing was stored
	legacyInternal    = 9
)

// legacyOKMsg is the old middleware's msg of every success.
const legacyOKMsg = "Action OK"

// legacyResult is the old InterCoResult.
type legacyResult struct {
	Code     int    `json:"code"`
	Msg      string `json:"msg"`
	CID      string `json:"cid"`
	Data     any    `json:"data"`
	FilePath string `json:"filePath"`
}

// legacyCode maps a v1 status onto the old codes.
func legacyCode(status int) int {
	switch status {
	case 400:
		return legacyBadInput
	case 401, 403:
		return legacyDenied
	case 409:
		return legacyConflict
	case 413:
		return legacyTooLarge
	case 404, 502, 504:
		return legacyException
	case 503:
		return legacyUnavailable
	}
	return legacyInternal
}

// legacyNames are the old form's names of the request fields the hub
// checks under their v1 names.
var legacyNames = map[string]string{"path": "url", "callback.url": "callbackUrl",
	"callback.method": "callbackMethod", "form": "data"}

// legacyError answers err as an InterCoResult with the v1 status, the
// fields named as the old form names them.
func (s *Server) legacyError(c *gin.Context, cid string, err error) {
	err = hub.RenameFields(err, legacyNames)
	status := statusOf(err)
	if hidden(err, status) {
		s.logFault(c, cid, err, status)
	}
	code := legacyCode(status)
	if errors.Is(err, hub.ErrBreakerOpen) {
		code = legacyException // the service is failing, as when it is unreachable
	}
	setRetryAfter(c, err)
	c.AbortWithStatusJSON(status, legacyResult{Code: code, Msg: clientMessage(err, status), CID: cid})
}

// parseForm parses r's query and urlencoded body. A body over the limit
// is that (413); anything else is a malformed body, or query for a GET.
func parseForm(r *http.Request) error {
	err := r.ParseForm()
	var tooBig *http.MaxBytesError
	if err == nil || errors.As(err, &tooBig) {
		return err
	}
	if r.Method == http.MethodGet {
		return hub.Invalid("query", "malformed: %v", err)
	}
	return hub.Invalid("body", "must be application/x-www-form-urlencoded: %v", err)
}

// legacyForm reads an urlencoded old form, or answers why it cannot.
func (s *Server) legacyForm(c *gin.Context) (legacyForm, bool) {
	if err := parseForm(c.Request); err != nil {
		s.legacyError(c, "", err)
		return legacyForm{}, false
	}
	f, err := parseLegacyForm(c.Request.Form)
	noteCID(c.Request, f.CID)
	if err != nil {
		s.legacyError(c, f.CID, err)
		return f, false
	}
	return f, true
}

// legacyMsg is POST /msg: a request (bReq=1) or a service's reply (bReq=0).
func (s *Server) legacyMsg(c *gin.Context) {
	f, ok := s.legacyForm(c)
	if !ok {
		return
	}
	if !f.BReq {
		s.legacyReply(c, f)
		return
	}
	s.legacyRequest(c, f)
}

// legacyCallerRequest is the request an old form makes, as its caller,
// or false once the refusal is answered.
func (s *Server) legacyCallerRequest(c *gin.Context, f legacyForm) (hub.Request, bool) {
	caller, err := s.callerOf(c.Request)
	if err != nil {
		s.legacyError(c, f.CID, err)
		return hub.Request{}, false
	}
	req, err := f.request()
	if err != nil {
		s.legacyError(c, f.CID, err)
		return hub.Request{}, false
	}
	if !s.registered(c, req) {
		return hub.Request{}, false
	}
	req.Caller = caller
	return req, true
}

func (s *Server) legacyRequest(c *gin.Context, f legacyForm) {
	req, ok := s.legacyCallerRequest(c, f)
	if !ok {
		return
	}
	out, err := s.hub.Submit(c.Request.Context(), req)
	if err != nil {
		s.legacyError(c, cmp.Or(out.CID, req.CID), err)
		return
	}
	c.JSON(http.StatusOK, legacyOutcome(out))
}

// legacyOutcome is a forwarded step's answer: the service's data, or code
// 2 when it answered with an error status.
func legacyOutcome(out hub.Outcome) legacyResult {
	res := legacyResult{Code: legacyOK, Msg: legacyOKMsg, CID: out.CID, Data: out.Data}
	if out.Status < 200 || out.Status >= 300 {
		res.Code, res.Msg = legacyException, fmt.Sprintf("service answered HTTP %d", out.Status)
	}
	return res
}

// registered answers code 1 "no registration", as the old middleware did,
// for a request to a service the hub does not know.
func (s *Server) registered(c *gin.Context, req hub.Request) bool {
	if s.hub.HasService(req.ServiceID) {
		return true
	}
	c.AbortWithStatusJSON(http.StatusNotFound, legacyResult{Code: legacyBadInput, CID: req.CID,
		Msg: fmt.Sprintf("serviceId: no registration for service %q", req.ServiceID)})
	return false
}

// legacyReply stores a bReq=0 message as the reply of its cid, or of
// the step its callbackId names.
func (s *Server) legacyReply(c *gin.Context, f legacyForm) {
	ctx := c.Request.Context()
	if f.CallbackID != "" {
		s.legacyStepReply(c, f)
		return
	}
	if f.CID == "" {
		s.legacyError(c, "", hub.Invalid("cid", "required when bReq=0: the cid of the request being answered"))
		return
	}
	if err := s.canReply(ctx, c.Request, f.CID); err != nil {
		s.legacyError(c, f.CID, err)
		return
	}
	isEnd := f.IsEnd
	in := hub.ReplyInput{Seq: f.Seq, IsEnd: &isEnd, Data: f.RawData}
	r, _, err := s.hub.PostReply(ctx, f.CID, in)
	if err != nil {
		s.legacyError(c, f.CID, err)
		return
	}
	c.JSON(http.StatusOK, legacyResult{Code: legacyOK, Msg: legacyOKMsg, CID: f.CID,
		Data: gin.H{"seq": r.Seq, "offset": r.Offset}})
}

// legacyItem is one stored step or reply as /data lists it.
type legacyItem struct {
	Kind   string          `json:"kind"` // request or reply
	Seq    int             `json:"seq"`
	IsEnd  bool            `json:"isEnd"`
	Status int             `json:"status,omitempty"`
	Code   int             `json:"code"`
	Msg    string          `json:"msg,omitempty"`
	Data   json.RawMessage `json:"data,omitempty"`
	Offset string          `json:"offset,omitempty"`
	At     time.Time       `json:"at"`
}

// legacyData is GET|POST /data?cid=&pageNo=&pageSize=: the stored steps
// and replies of a cid, oldest first; pageNo counts from 0.
func (s *Server) legacyData(c *gin.Context) {
	if err := parseForm(c.Request); err != nil {
		s.legacyError(c, "", err)
		return
	}
	v := c.Request.Form
	cid := v.Get("cid")
	if cid == "" {
		s.legacyError(c, "", hub.Invalid("cid", "required"))
		return
	}
	pageNo, err1 := legacyInt(v.Get("pageNo"), "pageNo", 0, 0, 1<<30)
	pageSize, err2 := legacyInt(v.Get("pageSize"), "pageSize", 10, 1, 100)
	if err := errors.Join(err1, err2); err != nil {
		s.legacyError(c, cid, err)
		return
	}
	ctx := c.Request.Context()
	p, err := s.principalAs(c.Request, readToken(c.Request), hub.KindCaller)
	if err != nil {
		s.legacyError(c, cid, err)
		return
	}
	rec, err := s.hub.Record(ctx, p, cid)
	if errors.Is(err, hub.ErrNotFound) {
		rec = &hub.Record{} // the old middleware: nothing stored is an empty page
	} else if err != nil {
		s.legacyError(c, cid, err)
		return
	}
	items := legacyItems(rec)
	from, to := min(pageNo*pageSize, len(items)), min((pageNo+1)*pageSize, len(items))
	c.JSON(http.StatusOK, gin.H{"code": legacyOK, "msg": legacyOKMsg, "cid": cid, "data": items[from:to],
		"total": len(items), "pageNo": pageNo, "pageSize": pageSize, "filePath": ""})
}

func legacyItems(rec *hub.Record) []legacyItem {
	items := make([]legacyItem, 0, len(rec.Steps)+len(rec.Replies))
	for _, st := range rec.Steps {
		items = append(items, legacyItem{Kind: "request", Seq: st.Seq, IsEnd: st.IsEnd, Status: st.Status,
			Msg: st.Error, Data: st.Data, At: st.At})
	}
	for _, r := range rec.Replies {
		items = append(items, legacyItem{Kind: "reply", Seq: r.Seq, IsEnd: r.IsEnd, Code: r.Code, Msg: r.Msg,
			Data: r.Data, Offset: r.Offset, At: r.At})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].At.Before(items[j].At) })
	return items
}

func legacyInt(s, field string, def, lo, hi int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, hub.Invalid(field, "must be an integer from %d to %d, got %q", lo, hi, s)
	}
	return n, nil
}
