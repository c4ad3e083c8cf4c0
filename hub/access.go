package hub

import "context"

// Principal kinds.
const (
	KindCaller  = "caller"
	KindService = "service"
	KindAdmin   = "admin"
)

// Principal is who asks: a caller, a service or the admin, as the HTTP
// layer authenticated them from a key or an allowed address, or nobody
// (Kind ""). Token is a ws token (to read) or a reply token (to reply)
// presented with the request, if any.
type Principal struct {
	Kind  string
	ID    string
	Token string
}

// Action is what a principal asks to do with a cid.
type Action int

const (
	// ActRead is reading the record, its replies and files, and subscribing.
	ActRead Action = iota
	// ActReply is posting a reply as the cid's service.
	ActReply
)

// Authorize reports whether p may act on cid, the one place that rule
// lives:
//   - ActRead: the cid's ws token, issued to the caller that owns it; the
//     owning caller's key; the admin key; or anyone on an open hub.
//   - ActReply: the cid's reply token; its service's key; or anyone on an
//     open hub.
//
// It returns the cid's record without steps and replies, or ErrNotFound;
// a valid reply token is enough on its own and reads nothing (the zero
// Record).
func (h *Hub) Authorize(ctx context.Context, p Principal, act Action, cid string) (Record, error) {
	if act == ActReply && p.Token != "" && h.tokens.CheckReplyToken(cid, p.Token) {
		return Record{}, nil
	}
	rec, err := h.store.Lookup(ctx, cid)
	if err != nil {
		return Record{}, err
	}
	return rec, h.allow(p, act, rec)
}

// allow applies Authorize's rule to a looked-up record.
func (h *Hub) allow(p Principal, act Action, rec Record) error {
	if act == ActReply {
		return h.allowReply(p, rec)
	}
	if p.Token != "" {
		if caller, ok := h.tokens.CheckWSToken(rec.CID, p.Token, h.Now()); ok && caller == rec.Caller {
			return nil
		}
		return Errorf(ErrUnauthorized, "token: not valid for cid %s (wrong cid or expired)", rec.CID)
	}
	switch {
	case p.Kind == KindAdmin, p.Kind == KindCaller && p.ID == rec.Caller:
		return nil
	case p.Kind != "":
		return Errorf(ErrForbidden, "cid %s belongs to another caller", rec.CID)
	case h.cfg.Open:
		return nil
	}
	return Errorf(ErrUnauthorized, "a caller key or ?token=<wsToken> is required")
}

func (h *Hub) allowReply(p Principal, rec Record) error {
	switch {
	case p.Kind == KindService && p.ID == rec.ServiceID:
		return nil
	case p.Kind != "":
		return Errorf(ErrForbidden, "cid %s belongs to another service", rec.CID)
	case p.Token != "":
		return Errorf(ErrUnauthorized, "reply token not valid for cid %s", rec.CID)
	case h.cfg.Open:
		return nil
	}
	return Errorf(ErrUnauthorized, "Authorization: Bearer <Callhub-Reply-Token or service key> required")
}

// AuthorizeCaller reports whether p may follow every reply of caller:
// that caller's key, the admin key, or anyone on an open hub.
func (h *Hub) AuthorizeCaller(p Principal, caller string) error {
	switch {
	case p.Kind == KindAdmin, p.Kind == KindCaller && p.ID == caller:
	case p.Kind == "" && h.cfg.Open:
	default:
		return Errorf(ErrForbidden, "caller: subscribing to %q needs that caller's key", caller)
	}
	return nil
}
