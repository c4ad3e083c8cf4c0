package api

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/callhub/callhub/hub"
)

// Key is one configured credential: an API key, or addresses allowed
// without one.
type Key struct {
	Kind       string
	ID         string
	APIKey     string
	AllowAddrs []netip.Prefix
}

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// authenticate finds the principal of r's bearer key, or of its address.
// ok is false when r carries no key and no address matches; a key that
// matches nothing is ErrUnauthorized.
func (s *Server) authenticate(r *http.Request) (p hub.Principal, ok bool, err error) {
	return s.authenticateAs(r, "")
}

// authenticateAs is authenticate for an act of one role (hub.KindCaller
// sends requests, hub.KindService replies): a keyless address resolves
// only among the principals of that role, so an address that a caller and
// a service both list is whoever the act belongs to. "" is any role.
func (s *Server) authenticateAs(r *http.Request, role string) (p hub.Principal, ok bool, err error) {
	if tok := bearer(r); tok != "" {
		if p, ok := s.lookupKey(tok); ok {
			notePrincipal(r, p)
			return p, true, nil
		}
		if strings.HasPrefix(tok, "rt.") || strings.HasPrefix(tok, "wt.") {
			return hub.Principal{}, false, nil // a token, checked per cid
		}
		return hub.Principal{}, false, hub.Errorf(hub.ErrUnauthorized, "unknown key")
	}
	if p, ok := s.lookupAddr(r, role); ok {
		notePrincipal(r, p)
		return p, true, nil
	}
	return hub.Principal{}, false, nil
}

// lookupKey compares tok with every key in constant time.
func (s *Server) lookupKey(tok string) (hub.Principal, bool) {
	var found hub.Principal
	ok := false
	for _, k := range s.keys {
		if k.APIKey != "" && subtle.ConstantTimeCompare([]byte(k.APIKey), []byte(tok)) == 1 {
			found, ok = hub.Principal{Kind: k.Kind, ID: k.ID}, true
		}
	}
	return found, ok
}

// lookupAddr finds the principal of role ("" for any) whose allowAddrs
// hold r's address.
func (s *Server) lookupAddr(r *http.Request, role string) (hub.Principal, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return hub.Principal{}, false
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return hub.Principal{}, false
	}
	ip = ip.Unmap()
	for _, k := range s.keys {
		if role != "" && k.Kind != role {
			continue
		}
		for _, p := range k.AllowAddrs {
			if p.Contains(ip) {
				return hub.Principal{Kind: k.Kind, ID: k.ID}, true
			}
		}
	}
	return hub.Principal{}, false
}

// callerOf returns the caller a request acts as, within its rate.
func (s *Server) callerOf(r *http.Request) (string, error) {
	caller, err := s.identifyCaller(r)
	if err != nil {
		return "", err
	}
	return caller, s.limits.allow(caller)
}

func (s *Server) identifyCaller(r *http.Request) (string, error) {
	p, ok, err := s.authenticateAs(r, hub.KindCaller)
	if err != nil {
		return "", err
	}
	caller, err := s.hub.Sender(p)
	if err == nil && !ok {
		notePrincipal(r, hub.Principal{Kind: hub.KindCaller, ID: caller})
	}
	return caller, err
}
