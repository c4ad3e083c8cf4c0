package hubclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client talks to one hub. It is safe for concurrent use.
type Client struct {
	BaseURL string // e.g. "http://127.0.0.1:8888"
	Key     string // caller key; empty in dev mode
	// HTTP sends the requests. Defaults to DefaultHTTP.
	HTTP *http.Client
	// DeadAfter is how long a followed connection may carry nothing, no
	// frame and no ping, before Next drops it and reconnects, resuming
	// from the last offset. Defaults to DefaultDeadAfter.
	DeadAfter time.Duration
}

// New returns a Client for the hub at baseURL with a caller key.
func New(baseURL, key string) *Client {
	return &Client{BaseURL: strings.TrimSuffix(baseURL, "/"), Key: key}
}

// Request is a request to send through the hub (POST /v1/requests).
type Request struct {
	ServiceID string            `json:"serviceId"`
	Method    string            `json:"method,omitempty"`
	Path      string            `json:"path"`
	Query     map[string]any    `json:"query,omitempty"`
	Form      map[string]any    `json:"form,omitempty"`
	Body      any               `json:"body,omitempty"`
	Headers   map[string]string `json:"headers,omitempty"`
	Async     bool              `json:"async,omitempty"`
	Callback  *Callback         `json:"callback,omitempty"`
	CID       string            `json:"cid,omitempty"`
	Seq       int               `json:"seq,omitempty"`
	IsEnd     *bool             `json:"isEnd,omitempty"`
	TimeoutMs int               `json:"timeoutMs,omitempty"`
	// DeadlineMs (async only) ends the cid with the hub's own reply,
	// code 504, when no isEnd reply came this many ms after the 202.
	DeadlineMs int64 `json:"deadlineMs,omitempty"`
	// HeartbeatMs (async only, at least 1000) is how long the service
	// may stay silent, no reply and no heartbeat, before subscribers get
	// a stalled event.
	HeartbeatMs int64 `json:"heartbeatMs,omitempty"`
}

// Callback is where the hub posts each reply.
type Callback struct {
	URL    string `json:"url"`
	Method string `json:"method,omitempty"`
	// When is "always" (the default) or "unacked": a reply's callback
	// waits AfterMs (default 5000) and is skipped if a subscriber
	// acknowledged the reply by then (Subscription.Ack). Async only.
	When    string `json:"when,omitempty"`
	AfterMs *int   `json:"afterMs,omitempty"`
}

// Answer is the hub's answer to a request or a reply.
type Answer struct {
	Code    int             `json:"code"`
	Msg     string          `json:"msg"`
	CID     string          `json:"cid"`
	Seq     int             `json:"seq"`
	Status  int             `json:"status"`
	Data    json.RawMessage `json:"data"`
	WSToken string          `json:"wsToken"`
	Offset  string          `json:"offset"`
}

// Error is a non-2xx answer of the hub.
type Error struct {
	Status int    // HTTP status
	Msg    string // the hub's msg, naming the bad field for a 400
	// RetryAfter is how long the hub asks to wait before retrying, from
	// its Retry-After header; 0 when it sent none. A 503 with RetryAfter
	// is a service whose breaker is open: nothing was forwarded.
	RetryAfter time.Duration
}

func (e *Error) Error() string { return fmt.Sprintf("callhub: %d %s", e.Status, e.Msg) }

// Send sends a request and returns the hub's answer: for an async request
// its cid and wsToken, for a sync one the service's answer.
func (c *Client) Send(ctx context.Context, req Request) (Answer, error) {
	var a Answer
	err := c.do(ctx, http.MethodPost, "/v1/requests", c.Key, req, &a)
	return a, err
}

// Call sends method path (with its query) to the hub with the client's
// key and in as its JSON body (nil for none), and returns the body of a
// 2xx answer as it is, or an *Error: the way to any operation this
// package has no method for, such as the admin API's.
func (c *Client) Call(ctx context.Context, method, path string, in any) (json.RawMessage, error) {
	var raw json.RawMessage
	err := c.do(ctx, method, path, c.Key, in, &raw)
	return raw, err
}

// Record returns the stored record of cid as raw JSON.
func (c *Client) Record(ctx context.Context, cid string) (json.RawMessage, error) {
	var raw json.RawMessage
	err := c.do(ctx, http.MethodGet, "/v1/requests/"+url.PathEscape(cid), c.Key, nil, &raw)
	return raw, err
}

func (c *Client) httpClient() *http.Client { return orDefault(c.HTTP) }

func orDefault(hc *http.Client) *http.Client {
	if hc != nil {
		return hc
	}
	return DefaultHTTP
}

// DefaultHTTP is the client a Client or Responder without one sends
// with. It keeps up to 64 idle connections per hub: http.DefaultClient
// keeps two, so a program sending more than two requests or replies at a
// time would dial (and leave in TIME_WAIT) a connection for nearly each.
var DefaultHTTP = func() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: tr}
}()

func (c *Client) do(ctx context.Context, method, path, key string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	return send(c.httpClient(), req, key, out)
}

// send does req with a bearer key and decodes a 2xx answer into out, or
// returns an *Error.
func send(hc *http.Client, req *http.Request, key string, out any) error {
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return &Error{Status: resp.StatusCode, Msg: envelopeMsg(b), RetryAfter: retryAfter(resp.Header)}
	}
	switch raw, isRaw := out.(*json.RawMessage); {
	case out == nil: // a 204, or an answer nobody reads
		return nil
	case isRaw && len(b) == 0:
		*raw = nil
		return nil
	case isRaw && !json.Valid(b):
		return fmt.Errorf("callhub: the hub's answer is not JSON: %.80q", b)
	}
	return json.Unmarshal(b, out)
}

// envelopeMsg is the msg of the hub's JSON envelope, or the body's text.
func envelopeMsg(b []byte) string {
	var e struct{ Msg string }
	if json.Unmarshal(b, &e) == nil && e.Msg != "" {
		return e.Msg
	}
	return strings.TrimSpace(string(b))
}
