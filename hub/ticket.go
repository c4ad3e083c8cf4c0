package hub

import (
	"crypto/hmac"
	"strconv"
	"strings"
	"time"
)

// AdminTicket returns a ticket that lets a browser open one WebSocket as
// the admin until exp: browsers cannot put a key on a WebSocket, so the
// console trades its admin key for a short-lived ticket first.
func (h *Hub) AdminTicket(exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	return "wa." + e + "." + h.tokens.mac("admin-ws", e)
}

// ReadToken returns a ws token of cid for caller, as an async request's
// answer carries: its bearer may read the cid (its record, replies and
// files) until it expires.
func (h *Hub) ReadToken(cid, caller string) string {
	return h.tokens.WSToken(cid, caller, h.Now().Add(h.cfg.WSTokenTTL))
}

// CheckAdminTicket reports whether tok is an admin ticket valid now.
func (h *Hub) CheckAdminTicket(tok string) bool {
	e, mac, ok := strings.Cut(strings.TrimPrefix(tok, "wa."), ".")
	exp, err := strconv.ParseInt(e, 10, 64)
	if !ok || !strings.HasPrefix(tok, "wa.") || err != nil || h.Now().Unix() > exp {
		return false
	}
	return hmac.Equal([]byte(mac), []byte(h.tokens.mac("admin-ws", e)))
}
