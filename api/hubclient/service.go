package hubclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// ErrNotForwarded is a request without the headers the hub adds when it
// forwards a request to a service.
var ErrNotForwarded = errors.New("hubclient: not a request forwarded by the hub")

// Incoming is what the hub tells a service about a request it forwarded,
// in its Callhub-* headers.
type Incoming struct {
	CID        string // Callhub-Cid
	Seq        int    // Callhub-Seq: the step of a multi-step request
	IsEnd      bool   // Callhub-Is-End: the caller's last step
	Caller     string // Callhub-Caller
	ReplyURL   string // Callhub-Reply-Url: where the cid's replies go
	ReplyToken string // Callhub-Reply-Token: lets the service reply to this cid
}

// FromRequest reads the Callhub-* headers of a request the hub forwarded.
// It returns an error matching ErrNotForwarded when Callhub-Cid,
// Callhub-Reply-Url or Callhub-Reply-Token is missing or malformed.
//
// Anyone who can reach the service can send these headers: a service
// should take requests only from the hub (its network, or a secret header
// the hub adds through the service's headers setting), or it may post
// replies to a URL a stranger chose.
func FromRequest(r *http.Request) (Incoming, error) {
	h := r.Header
	in := Incoming{CID: h.Get("Callhub-Cid"), Caller: h.Get("Callhub-Caller"),
		ReplyURL: h.Get("Callhub-Reply-Url"), ReplyToken: h.Get("Callhub-Reply-Token")}
	if in.CID == "" || in.ReplyToken == "" {
		return in, fmt.Errorf("%w: no Callhub-Cid or Callhub-Reply-Token", ErrNotForwarded)
	}
	if u, err := url.Parse(in.ReplyURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return in, fmt.Errorf("%w: Callhub-Reply-Url %q is not an http(s) URL", ErrNotForwarded, in.ReplyURL)
	}
	var err error
	if v := h.Get("Callhub-Seq"); v != "" {
		if in.Seq, err = strconv.Atoi(v); err != nil {
			return in, fmt.Errorf("%w: Callhub-Seq %q", ErrNotForwarded, v)
		}
	}
	if v := h.Get("Callhub-Is-End"); v != "" {
		if in.IsEnd, err = strconv.ParseBool(v); err != nil {
			return in, fmt.Errorf("%w: Callhub-Is-End %q", ErrNotForwarded, v)
		}
	}
	return in, nil
}

// Responder returns a Responder for in's cid that posts with hc (nil for
// DefaultHTTP).
func (in Incoming) Responder(hc *http.Client) *Responder {
	return &Responder{URL: in.ReplyURL, Token: in.ReplyToken, HTTP: hc}
}

// Responder posts the replies of one forwarded request, to its reply URL
// with its reply token. It may outlive the request: keep it to reply
// later. It is safe for concurrent use.
type Responder struct {
	URL   string // Callhub-Reply-Url
	Token string // Callhub-Reply-Token
	// HTTP sends the replies. Defaults to DefaultHTTP.
	HTTP *http.Client
}

// Reply posts a reply; see Client.Reply.
func (r *Responder) Reply(ctx context.Context, in ReplyInput) (Answer, error) {
	return postReply(ctx, orDefault(r.HTTP), r.URL, r.Token, in, nil)
}

// ReplyFile posts a reply that carries a file; see Client.ReplyFile.
func (r *Responder) ReplyFile(ctx context.Context, in ReplyInput, name string, file io.Reader) (Answer, error) {
	return postReply(ctx, orDefault(r.HTTP), r.URL, r.Token, in, &upload{name: name, body: file})
}

// ServiceFunc is an http.Handler for a service behind the hub: it reads
// the forwarded headers with FromRequest and calls f with them, and
// answers 400 to a request the hub did not forward. An async service
// answers (202 Accepted, say) at once and replies later through
// in.Responder, from work it owns.
type ServiceFunc func(w http.ResponseWriter, r *http.Request, in Incoming)

func (f ServiceFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	in, err := FromRequest(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f(w, r, in)
}
