package hub

import (
	"context"
	"time"
)

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
// It authenticates before it looks anything up, so the answer never tells
// whether cid exists: no credential, or a token not made for cid, is
// ErrUnauthorized whatever cid is; a key or token that may not act on cid
// gets the same ErrNotFound as an unknown cid. It returns the cid's record
// without steps and replies; a valid reply token is enough on its own and
// reads nothing (the zero Record).
func (h *Hub) Authorize(ctx context.Context, p Principal, act Action, cid string) (Record, error) {
	if err := h.authenticated(p, act, cid); err != nil {
		return Record{}, err
	}
	if act == ActReply && p.Token != "" {
		return Record{}, nil
	}
	rec, err := h.store.Lookup(ctx, cid)
	if err != nil {
		return Record{}, err
	}
	return rec, h.allow(p, act, rec)
}

// authenticated is the part of Authorize that needs no lookup: a
// credential is presented, and a token is one the hub made for cid.
func (h *Hub) authenticated(p Principal, act Action, cid string) error {
	switch {
	case p.Token != "" && act == ActReply:
		if !h.tokens.CheckReplyToken(cid, p.Token) {
			return Errorf(ErrUnauthorized, "reply token not valid for cid %s", cid)
		}
	case p.Token != "":
		if _, ok := h.tokens.CheckWSToken(cid, p.Token, h.Now()); !ok {
			return Errorf(ErrUnauthorized, "token: not valid for cid %s (wrong cid or expired)", cid)
		}
	case p.Kind != "", h.cfg.Open:
	case act == ActReply:
		return Errorf(ErrUnauthorized, "Authorization: Bearer <Callhub-Reply-Token or service key> required")
	default:
		return Errorf(ErrUnauthorized, "a caller key or ?token=<wsToken> is required")
	}
	return nil
}

// allow applies Authorize's rule to a looked-up record, once p is
// authenticated for it. A refusal reads as an unknown cid, except to the
// admin, who may see every cid.
func (h *Hub) allow(p Principal, act Action, rec Record) error {
	ok := false
	switch {
	case act == ActReply:
		ok = p.Kind == KindService && p.ID == rec.ServiceID || p.Kind == "" && h.cfg.Open
	case p.Token != "":
		caller, valid := h.tokens.CheckWSToken(rec.CID, p.Token, h.Now())
		ok = valid && caller == rec.Caller
	default:
		ok = p.Kind == KindAdmin || p.Kind == KindCaller && p.ID == rec.Caller || p.Kind == "" && h.cfg.Open
	}
	switch {
	case ok:
		return nil
	case p.Kind == KindAdmin:
		return Errorf(ErrForbidden, "the admin key cannot reply; use cid %s's reply token or service key", rec.CID)
	}
	return unknownCID(rec.CID)
}

// unknownCID is the answer for a cid that does not exist or that the
// asker may not see; its text is the stores' own for an unknown cid.
func unknownCID(cid string) error { return Errorf(ErrNotFound, "cid %s not found", cid) }

// OpenCaller is the caller every keyless request acts as on an open hub.
const OpenCaller = "dev"

// Sender is the caller p sends requests as: a caller key's own, or
// OpenCaller for anyone without a key on an open hub. Another kind of
// key is ErrForbidden; no key on a closed hub ErrUnauthorized.
func (h *Hub) Sender(p Principal) (string, error) {
	switch {
	case p.Kind == KindCaller:
		return p.ID, nil
	case p.Kind != "":
		return "", Errorf(ErrForbidden, "a %s key cannot send requests; use a caller key", p.Kind)
	case h.cfg.Open:
		return OpenCaller, nil
	}
	return "", Errorf(ErrUnauthorized, "Authorization: Bearer <caller key> required")
}

// AuthorizeAdmin reports whether p may use the admin operations: the
// admin key, or anyone without a key on an open hub with no admin key
// configured.
func (h *Hub) AuthorizeAdmin(p Principal) error {
	switch {
	case p.Kind == KindAdmin, p.Kind == "" && h.cfg.Open && !h.cfg.AdminKeyed:
		return nil
	case p.Kind != "":
		return Errorf(ErrForbidden, "admin key required")
	}
	return Errorf(ErrUnauthorized, "Authorization: Bearer <admin key> required")
}

// Presented reports whether p presented a credential (a key, an allowed
// address or a token), or the hub is open: what must hold before the
// front door reads a body or looks anything up for p. need names what
// p should present, for the refusal.
func (h *Hub) Presented(p Principal, need string) error {
	if p.Kind != "" || p.Token != "" || h.cfg.Open {
		return nil
	}
	return Errorf(ErrUnauthorized, "%s is required", need)
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

// AdminTicket returns a ticket that lets a browser open one WebSocket as
// the admin until exp (see Tokens.AdminTicket).
func (h *Hub) AdminTicket(exp time.Time) string { return h.tokens.AdminTicket(exp) }

// CheckAdminTicket reports whether tok is an admin ticket valid now.
func (h *Hub) CheckAdminTicket(tok string) bool { return h.tokens.CheckAdminTicket(tok, h.Now()) }

// ReadToken returns a ws token of cid for caller, as an async request's
// answer carries: its bearer may read the cid (its record, replies and
// files) until it expires.
func (h *Hub) ReadToken(cid, caller string) string {
	return h.tokens.WSToken(cid, caller, h.Now().Add(h.cfg.WSTokenTTL))
}
