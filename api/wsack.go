package api

import (
	"context"
	"slices"

	"github.com/callhub/callhub/hub"
)

// ack is the op "ack": the client acknowledges every reply of f.CID up
// to f.Offset. It passes the subscribe check (the frame's token, else
// the one this connection subscribed to the cid with, else the
// connection's key) and answers nothing when it succeeds; a refusal is
// an error frame, as for subscribe.
func (w *session) ack(ctx context.Context, f frame) error {
	p := w.p
	p.Token = f.Token
	if p.Token == "" {
		p.Token = w.token(f.CID)
	}
	err := w.s.hub.Ack(ctx, p, f.CID, f.Offset)
	w.s.metrics.acked(hub.OutcomeOf(err))
	return err
}

// cidToken is a cid and the ws token it was subscribed with.
type cidToken struct{ cid, token string }

// keepToken remembers the token a cid was subscribed with, for its acks.
func (w *session) keepToken(f frame) {
	if f.Token == "" {
		return
	}
	w.dropToken(f.CID)
	w.tokens = append(w.tokens, cidToken{f.CID, f.Token})
}

// token is the token cid was subscribed with; "" if none.
func (w *session) token(cid string) string {
	for _, t := range w.tokens {
		if t.cid == cid {
			return t.token
		}
	}
	return ""
}

func (w *session) dropToken(cid string) {
	w.tokens = slices.DeleteFunc(w.tokens, func(t cidToken) bool { return t.cid == cid })
}
