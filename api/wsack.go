package api

import (
	"context"

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
		p.Token = w.tokens[f.CID]
	}
	err := w.s.hub.Ack(ctx, p, f.CID, f.Offset)
	w.s.metrics.acked(hub.OutcomeOf(err))
	return err
}

// keepToken remembers the token a cid was subscribed with, for its acks.
func (w *session) keepToken(f frame) {
	if f.Token == "" {
		return
	}
	if w.tokens == nil {
		w.tokens = map[string]string{}
	}
	w.tokens[f.CID] = f.Token
}
