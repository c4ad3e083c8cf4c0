package hub

import (
	"encoding/json"
	"errors"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// Request is one step a caller sends through the hub to a service.
type Request struct {
	CID       string            `json:"cid,omitempty"`
	ServiceID string            `json:"serviceId"`
	Method    string            `json:"method,omitempty"`
	Path      string            `json:"path"`
	Query     map[string]any    `json:"query,omitempty"`
	Form      map[string]any    `json:"form,omitempty"`
	Body      json.RawMessage   `json:"body,omitempty"`
	Headers   map[string]string `json:"headers,omitempty"`
	Async     bool              `json:"async,omitempty"`
	Callback  *Callback         `json:"callback,omitempty"`
	Seq       int               `json:"seq,omitempty"`
	IsEnd     *bool             `json:"isEnd,omitempty"`
	TimeoutMs int               `json:"timeoutMs,omitempty"`
	// DeadlineMs and HeartbeatMs bound an async request's life (see
	// Lifecycle): its cid must end within DeadlineMs of the 202, and its
	// service show a sign of life at least every HeartbeatMs.
	DeadlineMs  int64 `json:"deadlineMs,omitempty"`
	HeartbeatMs int64 `json:"heartbeatMs,omitempty"`
	// FileField names the multipart field of an uploaded file (default
	// "file"); SHA256 is its declared hash; Download asks for the
	// service's body as a stream.
	FileField string `json:"fileField,omitempty"`
	SHA256    string `json:"sha256,omitempty"`
	Download  bool   `json:"download,omitempty"`

	// Caller is the authenticated caller's id, set by the hub's front door,
	// never by the client.
	Caller string `json:"-"`
	// Upload is a spooled file to forward as multipart, set by the front
	// door.
	Upload *Upload `json:"-"`
	// Legacy marks a request made through the old middleware's endpoints
	// (/msg, /file, /download), set by the front door: its cid's callbacks
	// are sent in the old form (see Record.Legacy).
	Legacy bool `json:"-"`
	// TraceParent is the W3C traceparent of the request's submit span,
	// set by the hub.
	TraceParent string `json:"-"`
}

// Callback is where the caller wants each reply posted.
type Callback struct {
	URL    string `json:"url"`
	Method string `json:"method,omitempty"`
	// When is CallbackAlways ("" too) or CallbackUnacked; AfterMs, only
	// with CallbackUnacked, is how long a reply waits for an
	// acknowledgement (see receipt.go).
	When    string `json:"when,omitempty"`
	AfterMs *int   `json:"afterMs,omitempty"`
}

// End reports whether this step is the last of its cid (default true).
func (r *Request) End() bool { return r.IsEnd == nil || *r.IsEnd }

var methods = map[string]bool{"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true}

// ValidMethod reports whether m is a method a request may use: GET, POST,
// PUT, PATCH or DELETE.
func ValidMethod(m string) bool { return methods[m] }

// MaxTimeoutMs bounds a request's timeoutMs: a day, far from where the
// forward's time.Duration (and a step's reservation past it) would
// overflow.
const MaxTimeoutMs = 24 * 60 * 60 * 1000

// Normalize fills defaults and checks every field, naming each bad one
// in one error (see JoinInvalid).
func (r *Request) Normalize() error {
	r.Method = strings.ToUpper(r.Method)
	if r.Method == "" {
		r.Method = "GET"
	}
	if r.Seq == 0 {
		r.Seq = 1
	}
	errs := append(r.fieldErrors(), r.headerErrors()...)
	if cb := r.normalizeCallback(); cb != nil {
		errs = append(errs, cb)
	}
	if len(errs) == 0 {
		return nil
	}
	return JoinInvalid(errs...)
}

// fieldErrors checks the request's own fields. Checked here, not when
// forwarding, so a bad request never claims its cid and seq.
func (r *Request) fieldErrors() []error {
	var errs []error
	bad := func(cond bool, field, format string, args ...any) {
		if cond {
			errs = append(errs, Invalid(field, format, args...))
		}
	}
	bad(r.ServiceID == "", "serviceId", "required")
	if !methods[r.Method] { // not through bad: its argument would be boxed for every request
		errs = append(errs, Invalid("method", "must be GET, POST, PUT, PATCH or DELETE, got %q", r.Method))
	}
	bad(r.Path == "" || r.Path[0] != '/', "path", "must start with /")
	if err := pathError(r.Path); err != nil {
		errs = append(errs, err)
	}
	bad(r.Seq < 0, "seq", "must be ≥ 1")
	bad(r.Seq > maxSeq, "seq", "must be at most %d", maxSeq)
	bad(r.TimeoutMs < 0, "timeoutMs", "must be ≥ 0")
	bad(r.TimeoutMs > MaxTimeoutMs, "timeoutMs", "must be at most %d (a day)", MaxTimeoutMs)
	bad(len(r.Form) > 0 && len(r.Body) > 0, "body", "cannot be sent together with form")
	bad(r.Upload != nil && len(r.Body) > 0, "body", "cannot be sent with a file: use form")
	bad(r.Upload != nil && (r.Method == "GET" || r.Method == "DELETE"), "method", "an upload needs POST, PUT or PATCH")
	bad(r.Download && r.Callback != nil, "callback", "a download answers with the file itself; it takes no callback")
	bad(r.Upload != nil && r.Download, "download", "cannot be combined with an upload")
	bad(r.CID != "" && !ValidCID(r.CID), "cid", CIDRule)
	return append(errs, r.lifecycleErrors()...)
}

// pathError is why path does not parse as a path with a query, or nil.
// A path without a query has no query to parse.
func pathError(path string) error {
	u, err := url.Parse(path)
	if err != nil {
		return Invalid("path", "%v", errors.Unwrap(err))
	}
	if u.RawQuery == "" {
		return nil
	}
	if _, err := url.ParseQuery(u.RawQuery); err != nil {
		return Invalid("path", "malformed query: %v", err)
	}
	return nil
}

// Bounds of the lifecycle fields.
const (
	MaxDeadlineMs  = 24 * 60 * 60 * 1000
	MinHeartbeatMs = 1000
)

// lifecycleErrors checks deadlineMs and heartbeatMs: async only, in range.
func (r *Request) lifecycleErrors() []error {
	var errs []error
	for _, f := range []struct {
		name      string
		v, lo, hi int64
	}{{"deadlineMs", r.DeadlineMs, 1, MaxDeadlineMs}, {"heartbeatMs", r.HeartbeatMs, MinHeartbeatMs, MaxDeadlineMs}} {
		switch {
		case f.v == 0:
		case !r.Async:
			errs = append(errs, Invalid(f.name, "only an async request has one"))
		case f.v < f.lo || f.v > f.hi:
			errs = append(errs, Invalid(f.name, "must be from %d to %d", f.lo, f.hi))
		}
	}
	return errs
}

// headerErrors names each invalid header, as headers.<name>, in name order.
func (r *Request) headerErrors() []error {
	var errs []error
	valid := true
	for k, v := range r.Headers {
		valid = valid && validHeader(k, v)
	}
	if valid {
		return nil // nothing to sort
	}
	for _, k := range slices.Sorted(maps.Keys(r.Headers)) {
		if !validHeader(k, r.Headers[k]) {
			errs = append(errs, Invalid("headers."+k, "not a valid header name and value"))
		}
	}
	return errs
}

// validHeader reports whether k is an HTTP token and v holds no control
// characters other than tab.
func validHeader(k, v string) bool {
	if k == "" {
		return false
	}
	for _, c := range []byte(k) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
		if !ok {
			return false
		}
	}
	for _, c := range []byte(v) {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

func (r *Request) normalizeCallback() error {
	cb := r.Callback
	if cb == nil {
		return nil
	}
	cb.Method = strings.ToUpper(cb.Method)
	if cb.Method == "" {
		cb.Method = "POST"
	}
	if cb.URL == "" {
		return Invalid("callback.url", "required")
	}
	if cb.Method != "GET" && cb.Method != "POST" {
		return Invalid("callback.method", "must be GET or POST, got %q", cb.Method)
	}
	return r.normalizeWhen()
}

// CIDRule says what ValidCID accepts, as an error's reason.
const CIDRule = "must be 1 to 128 letters, digits, '-', '_', '.' or ':'"

// ValidCID reports whether s may name a cid: 1 to 128 letters, digits,
// '-', '_', '.' or ':' (so it is safe in a path, a Redis key and a
// header). The empty string passes: it means a new cid.
func ValidCID(s string) bool {
	if len(s) > 128 {
		return false
	}
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == ':'
		if !ok {
			return false
		}
	}
	return true
}
