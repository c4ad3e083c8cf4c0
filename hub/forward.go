package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// hopHeaders are never forwarded (RFC 9110 section 7.6.1), nor are headers
// the hub sets itself.
var hopHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true,
	"Upgrade": true, "Host": true, "Content-Length": true, "Authorization": true,
	"Traceparent": true, "Tracestate": true, // the hub's own forward span names the parent
}

// forward sends req to svc and reads its answer, and ends p, the
// request's pass through svc's breaker, with what the answer says of
// the service.
func (h *Hub) forward(ctx context.Context, svc Service, req Request, p *pass) (Outcome, error) {
	start := time.Now()
	defer func() { h.obs.Forwarded(svc.ID, time.Since(start)) }()
	ctx, tp, end := h.tracer.Start(ctx, "forward", "", time.Time{})
	out, err := h.forwardTraced(ctx, svc, req, tp)
	end(err)
	p.end(h.Now(), verdictOf(out.Status, err))
	return out, err
}

// forwardTraced is forward within its span; tp is the span's
// traceparent, which the service receives.
func (h *Hub) forwardTraced(ctx context.Context, svc Service, req Request, tp string) (Outcome, error) {
	ctx, cancel := context.WithTimeout(ctx, h.forwardTimeout(svc, req))
	defer cancel()
	hr, err := h.buildForward(ctx, svc, req)
	if err != nil {
		return Outcome{}, err
	}
	if tp != "" {
		hr.Header.Set("Traceparent", tp)
	}
	resp, err := h.send(hr)
	if err != nil {
		return Outcome{}, forwardError(ctx, svc, err)
	}
	defer resp.Body.Close()
	var body []byte
	if resp.ContentLength != 0 { // an async service's 202 is often empty
		if body, err = io.ReadAll(io.LimitReader(resp.Body, h.cfg.MaxAnswerBytes+1)); err != nil {
			return Outcome{}, forwardError(ctx, svc, err)
		}
	}
	if int64(len(body)) > h.cfg.MaxAnswerBytes {
		return Outcome{Status: resp.StatusCode}, Errorf(ErrBadGateway, "service %s answered more than %d bytes", svc.ID, h.cfg.MaxAnswerBytes)
	}
	return Outcome{Status: resp.StatusCode, Data: answerData(resp.Header.Get("Content-Type"), body)}, nil
}

func (h *Hub) forwardTimeout(svc Service, req Request) time.Duration {
	if req.TimeoutMs > 0 {
		return time.Duration(req.TimeoutMs) * time.Millisecond
	}
	if svc.Timeout > 0 {
		return svc.Timeout
	}
	return 30 * time.Second
}

func forwardError(ctx context.Context, svc Service, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return Errorf(ErrTimeout, "service %s did not answer in time", svc.ID)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return Errorf(ErrBadGateway, "service %s unreachable: %v", svc.ID, unwrapURLError(err))
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// answerData is the service's body as JSON: itself when it is JSON, else a
// JSON string.
func answerData(contentType string, body []byte) json.RawMessage {
	if len(body) == 0 {
		return json.RawMessage(`""`) // what json.Marshal("") makes, without it
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	if (mt == "application/json" || strings.HasSuffix(mt, "+json")) && json.Valid(body) {
		return body
	}
	s, _ := json.Marshal(string(body))
	return s
}

// buildForward makes the HTTP request the service receives.
func (h *Hub) buildForward(ctx context.Context, svc Service, req Request) (hr *http.Request, err error) {
	u, err := url.Parse(strings.TrimSuffix(svc.BaseURL, "/") + req.Path)
	if err != nil {
		return nil, Invalid("path", "%v", err)
	}
	q := u.Query()
	addValues(q, req.Query)
	var body io.Reader
	contentType := ""
	switch {
	case req.Upload != nil:
		h.setStepParams(q, req)
		mb := newMultipartBody(req)
		defer func() {
			if err != nil {
				mb.Close()
			}
		}()
		body, contentType = mb, mb.ContentType()
	case req.Method == "GET" || req.Method == "DELETE":
		addValues(q, req.Form)
		h.setStepParams(q, req)
	case len(req.Body) > 0:
		h.setStepParams(q, req)
		body, contentType = bytes.NewReader(req.Body), "application/json"
	default:
		body, contentType = strings.NewReader(h.formBody(req)), "application/x-www-form-urlencoded"
	}
	u.RawQuery = q.Encode()
	// The request takes u as it is: given u.String() NewRequest would
	// parse the url u already is again. Its Host is u's, as NewRequest
	// sets it (an empty port's colon dropped).
	hr, err = http.NewRequestWithContext(ctx, req.Method, "", body)
	if err != nil {
		return nil, Invalid("method", "%v", err)
	}
	u.Host = strings.TrimSuffix(u.Host, ":")
	hr.URL, hr.Host = u, u.Host
	h.setForwardHeaders(hr.Header, svc, req)
	if contentType != "" {
		hr.Header.Set("Content-Type", contentType)
	}
	return hr, nil
}

func (h *Hub) setForwardHeaders(hd http.Header, svc Service, req Request) {
	for k, v := range req.Headers {
		k = textproto.CanonicalMIMEHeaderKey(k)
		if !hopHeaders[k] && !strings.HasPrefix(k, "Callhub-") {
			hd.Set(k, v)
		}
	}
	for k, v := range svc.Headers {
		hd.Set(k, v)
	}
	// The hub's own six, in canonical form, share one backing array
	// instead of a slice each.
	v := []string{req.CID, strconv.Itoa(req.Seq), strconv.FormatBool(req.End()), req.Caller,
		strings.TrimSuffix(h.cfg.PublicURL, "/") + "/v1/replies/" + url.PathEscape(req.CID), h.tokens.ReplyToken(req.CID)}
	hd["Callhub-Cid"], hd["Callhub-Seq"], hd["Callhub-Is-End"] = v[0:1:1], v[1:2:2], v[2:3:3]
	hd["Callhub-Caller"], hd["Callhub-Reply-Url"], hd["Callhub-Reply-Token"] = v[3:4:4], v[4:5:5], v[5:6:6]
}

// addValues adds a JSON object's fields as string values: strings as they
// are, arrays as repeated values, anything else as its JSON text.
func addValues(v url.Values, m map[string]any) {
	for k, x := range m {
		if arr, ok := x.([]any); ok {
			for _, e := range arr {
				v.Add(k, FormValue(e))
			}
			continue
		}
		v.Add(k, FormValue(x))
	}
}

// FormValue is a JSON value as a form or query parameter: strings as they
// are, null as "", numbers in their JSON form, anything else as JSON.
func FormValue(x any) string {
	switch x := x.(type) {
	case string:
		return x
	case nil:
		return ""
	case json.Number:
		return x.String()
	}
	b, err := json.Marshal(x)
	if err != nil {
		return fmt.Sprint(x)
	}
	return string(b)
}

// formBody is the form a request without a JSON body or a file sends:
// its form fields and the step's parameters, as url.Values.Encode
// encodes them. Without form fields, which is how most async requests
// come, it is the step's parameters alone, in Encode's (sorted) order,
// written as one string.
func (h *Hub) formBody(req Request) string {
	if len(req.Form) > 0 {
		form := url.Values{}
		addValues(form, req.Form)
		h.setStepParams(form, req)
		return form.Encode()
	}
	if !req.Async {
		return "cid=" + url.QueryEscape(req.CID)
	}
	return "callbackId=" + url.QueryEscape(h.tokens.CallbackID(req.CID, req.Seq, req.End())) + "&cid=" + url.QueryEscape(req.CID)
}

// setStepParams adds the cid, and for an async step its callbackId, to
// the parameters the service receives.
func (h *Hub) setStepParams(v url.Values, req Request) {
	v.Set("cid", req.CID)
	if req.Async {
		v.Set("callbackId", h.tokens.CallbackID(req.CID, req.Seq, req.End()))
	}
}

// Idle connections the default forward client keeps: to every service
// at once, and to each.
const (
	maxIdleForward        = 1024
	maxIdleForwardPerHost = 256
)

// forwardClient is the default client requests are forwarded with. It
// keeps as many idle connections to a service as a busy hub uses at once
// (net/http keeps two per host, so a hub forwarding more than two
// requests at a time to one service would dial, and leave in TIME_WAIT,
// a connection for nearly every request), and it follows no redirect: a
// service's 3xx is its answer.
func forwardClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = maxIdleForward
	tr.MaxIdleConnsPerHost = maxIdleForwardPerHost
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}
