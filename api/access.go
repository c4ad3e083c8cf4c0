package api

import (
	"context"
	"net/http"

	"github.com/callhub/callhub/hub"
)

// canRead checks that a reader may see cid: its owner's key, a ws token
// for cid, the admin key, or anyone in dev mode.
func (s *Server) canRead(ctx context.Context, r *http.Request, cid, token string) error {
	if token == "" {
		token = r.URL.Query().Get("token")
	}
	if token == "" && len(bearer(r)) > 3 && bearer(r)[:3] == "wt." {
		token = bearer(r)
	}
	p, ok, err := s.authenticate(r)
	if err != nil {
		return err
	}
	return s.mayRead(ctx, p, ok, cid, token)
}

// mayRead checks that principal p (if ok) or the holder of token may see
// cid.
func (s *Server) mayRead(ctx context.Context, p Principal, ok bool, cid, token string) error {
	rec, err := s.hub.Store().Lookup(ctx, cid)
	if err != nil {
		return err
	}
	if token != "" {
		if _, valid := s.hub.Tokens().CheckWSToken(cid, token, s.hub.Now()); valid {
			return nil
		}
		return hub.Errorf(hub.ErrUnauthorized, "token: not valid for cid %s (wrong cid or expired)", cid)
	}
	switch {
	case ok && (p.Kind == kindAdmin || p.Kind == kindCaller && p.ID == rec.Caller):
		return nil
	case ok:
		return hub.Errorf(hub.ErrForbidden, "cid %s belongs to another caller", cid)
	case s.dev:
		return nil
	}
	return hub.Errorf(hub.ErrUnauthorized, "a caller key or ?token=<wsToken> is required")
}

// canReply checks that a request may post replies for cid: the cid's reply
// token, its service's key, or anyone in dev mode.
func (s *Server) canReply(ctx context.Context, r *http.Request, cid string) error {
	tok := bearer(r)
	if tok != "" && s.hub.Tokens().CheckReplyToken(cid, tok) {
		return nil
	}
	rec, err := s.hub.Store().Lookup(ctx, cid)
	if err != nil {
		return err
	}
	p, ok, err := s.authenticate(r)
	switch {
	case err != nil:
		return err
	case ok && p.Kind == kindService && p.ID == rec.ServiceID:
		return nil
	case ok:
		return hub.Errorf(hub.ErrForbidden, "cid %s belongs to another service", cid)
	case tok != "":
		return hub.Errorf(hub.ErrUnauthorized, "reply token not valid for cid %s", cid)
	case s.dev:
		return nil
	}
	return hub.Errorf(hub.ErrUnauthorized, "Authorization: Bearer <Callhub-Reply-Token or service key> required")
}
