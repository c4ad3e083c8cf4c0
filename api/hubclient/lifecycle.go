package hubclient

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// Cancel ends the async request cid (DELETE /v1/requests/{cid}) with the
// client's key, the caller's or the admin's: the hub stores its terminal
// reply, code 499, msg reason (or "canceled" when reason is ""), Origin
// OriginHub, and answers that reply's Offset. An ended cid is an *Error
// with Status 409; an unknown cid, or another caller's, 404.
func (c *Client) Cancel(ctx context.Context, cid, reason string) (Answer, error) {
	var in any
	if reason != "" {
		in = struct {
			Reason string `json:"reason"`
		}{reason}
	}
	var a Answer
	err := c.do(ctx, http.MethodDelete, "/v1/requests/"+url.PathEscape(cid), c.Key, in, &a)
	return a, err
}

// HeartbeatInput is a service's sign of life for a cid. Subscribers get
// it as an EventProgress; it is not stored and not called back.
type HeartbeatInput struct {
	Progress *float64 `json:"progress,omitempty"` // from 0 to 1; nil for none
	Msg      string   `json:"msg,omitempty"`
}

// Heartbeat tells the hub the service still works on cid (POST
// /v1/replies/{cid}/heartbeat) with a reply token or a service key. A
// request with HeartbeatMs counts as stalled when its service stays
// silent longer; a heartbeat or a reply ends the stall. A cid that ended
// is an *Error with Status 409.
func (c *Client) Heartbeat(ctx context.Context, cid, token string, in HeartbeatInput) error {
	return postHeartbeat(ctx, c.httpClient(), c.replyURL(cid), token, in)
}

// Heartbeat posts a sign of life; see Client.Heartbeat.
func (r *Responder) Heartbeat(ctx context.Context, in HeartbeatInput) error {
	return postHeartbeat(ctx, orDefault(r.HTTP), r.URL, r.Token, in)
}

// postHeartbeat posts in to the heartbeat URL beside the reply URL u.
func postHeartbeat(ctx context.Context, hc *http.Client, u, token string, in HeartbeatInput) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return postBody(ctx, hc, u+"/heartbeat", token, "application/json", bytes.NewReader(b), nil)
}
