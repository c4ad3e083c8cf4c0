package callback

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/callhub/callhub/hub"
)

// attemptResult is what one HTTP attempt came to.
type attemptResult struct {
	status     int           // 0: no answer
	snippet    string        // start of a non-2xx answer's body
	body       string        // the first bodyLog bytes of the answer
	at         time.Time     // when the attempt started
	took       time.Duration // how long it took
	retryAfter time.Duration // from Retry-After on 429 and 503
	err        error
}

func (r attemptResult) errorText() string {
	switch {
	case r.err != nil:
		var ue *url.Error
		if errors.As(r.err, &ue) {
			return ue.Err.Error()
		}
		return r.err.Error()
	case r.status >= 200 && r.status < 300:
		return ""
	}
	return strings.TrimSpace(fmt.Sprintf("HTTP %d %s", r.status, r.snippet))
}

// bodyLog is how much of an answer the attempt log keeps; snippetLen how
// much of a failed answer lastError shows.
const (
	bodyLog    = 1 << 10
	snippetLen = 256
)

// tracedAttempt is attempt within a span of the reply's trace.
func (d *Deliverer) tracedAttempt(ctx context.Context, dl Delivery) attemptResult {
	ctx, tp, end := d.cfg.Tracer.Start(ctx, "delivery attempt", dl.TraceParent, time.Time{})
	res := d.attempt(ctx, dl, tp)
	err := res.err
	if err == nil && (res.status < 200 || res.status >= 300) {
		err = errors.New(res.errorText())
	}
	end(err)
	return res
}

// attempt makes one HTTP attempt of dl within the attempt timeout,
// sending traceparent tp when it is set, and times it.
func (d *Deliverer) attempt(ctx context.Context, dl Delivery, tp string) attemptResult {
	start := d.now()
	res := d.try(ctx, dl, tp)
	res.at, res.took = start, d.now().Sub(start)
	return res
}

func (d *Deliverer) try(ctx context.Context, dl Delivery, tp string) attemptResult {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	req, err := d.callbackRequest(ctx, dl)
	if err != nil {
		return attemptResult{err: err}
	}
	if tp != "" {
		req.Header.Set("Traceparent", tp)
	}
	resp, err := d.send(dl.Caller, req)
	if err != nil {
		return attemptResult{err: err}
	}
	defer resp.Body.Close()
	res := attemptResult{status: resp.StatusCode}
	var body []byte
	if resp.ContentLength != 0 { // a 204 has nothing to read
		body, _ = io.ReadAll(io.LimitReader(resp.Body, bodyLog))
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
		res.body = strings.ToValidUTF8(string(body), "\uFFFD")
	}
	if res.status < 200 || res.status >= 300 {
		res.snippet = string(body[:min(len(body), snippetLen)])
	}
	if res.status == http.StatusTooManyRequests || res.status == http.StatusServiceUnavailable {
		res.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), d.now())
	}
	return res
}

// callbackRequest builds the signed HTTP request of dl. A POST (or any
// method but GET) of the usual JSON body has its url parsed once, by the
// request itself.
func (d *Deliverer) callbackRequest(ctx context.Context, dl Delivery) (*http.Request, error) {
	method := dl.Method
	if method == "" {
		method = http.MethodPost
	}
	if dl.Legacy || method == http.MethodGet {
		return d.formRequest(ctx, method, dl)
	}
	body := dl.Reply.CallbackBody()
	req, err := http.NewRequestWithContext(ctx, method, dl.URL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("callback url: %w", err)
	}
	if body != nil {
		req.Header["Content-Type"] = jsonType
	}
	return req, d.sign(req.Header, dl, body)
}

// jsonType is the Content-Type of a JSON callback, one slice that every
// request shares: nothing changes a request's headers once it is built.
var jsonType = []string{"application/json"}

// formRequest builds the signed request of a GET callback or of one in
// the old middleware's form.
func (d *Deliverer) formRequest(ctx context.Context, method string, dl Delivery) (*http.Request, error) {
	u, err := url.Parse(dl.URL)
	if err != nil {
		return nil, fmt.Errorf("callback url: %w", err)
	}
	var body, signed []byte
	contentType := "application/json"
	if dl.Legacy {
		body, contentType = oldForm(u, dl)
		signed = body
		if body == nil {
			signed = []byte(u.RawQuery)
		}
	} else {
		u.RawQuery = callbackQuery(u.Query(), dl.Reply).Encode()
		signed = []byte(u.RawQuery)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	return req, d.sign(req.Header, dl, signed)
}

// sign sets the callback's headers, with the Standard Webhooks signature
// when the caller has a webhook secret. The keys are set in canonical
// form, so none is canonicalized again.
func (d *Deliverer) sign(h http.Header, dl Delivery, content []byte) error {
	v := make([]string, 6)
	v[0], v[1], v[2] = "callhub", dl.CID, strconv.Itoa(dl.Seq)
	h["User-Agent"], h["Callhub-Cid"], h["Callhub-Seq"] = v[0:1:1], v[1:2:2], v[2:3:3]
	s := d.signers[dl.Caller]
	if s == nil {
		return nil
	}
	ts := d.now()
	sig, err := s.sign(dl.ID, ts, content)
	if err != nil {
		return fmt.Errorf("sign callback: %w", err)
	}
	v[3], v[4], v[5] = dl.ID, strconv.FormatInt(ts.Unix(), 10), sig
	h["Webhook-Id"], h["Webhook-Timestamp"], h["Webhook-Signature"] = v[3:4:4], v[4:5:5], v[5:6:6]
	return nil
}

// callbackQuery is what a GET callback carries: the reply's fields and
// the top-level fields of its data, as the old middleware's callers read
// them.
func callbackQuery(q url.Values, r hub.Reply) url.Values {
	var data map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.Data))
	dec.UseNumber()
	if dec.Decode(&data) == nil {
		for k, v := range data {
			q.Set(k, hub.FormValue(v))
		}
	}
	q.Set("cid", r.CID)
	q.Set("seq", strconv.Itoa(r.Seq))
	q.Set("isEnd", strconv.FormatBool(r.IsEnd))
	q.Set("code", strconv.Itoa(r.Code))
	q.Set("msg", r.Msg)
	return q
}

// parseRetryAfter reads seconds or an HTTP date; 0 if absent or bad.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
