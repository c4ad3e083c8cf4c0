package hub

import (
	"context"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// CallbackPolicy is where one caller's callbacks may go: relative urls
// resolve against Base; absolute ones must be on Base's host or on one of
// AllowHosts ("hooks.example.com", "*.example.com", or "*" for any public
// host). Configured hosts may be on private addresses; anything else must
// resolve to public ones (SSRF guard).
type CallbackPolicy struct {
	Base       string
	AllowHosts []string
}

// Resolve returns the absolute url of a callback, or ErrInvalid naming
// callback.url.
func (p CallbackPolicy) Resolve(raw string) (*url.URL, error) {
	ref, err := url.Parse(raw)
	if err != nil {
		return nil, Invalid("callback.url", "not a url: %v", err)
	}
	if !ref.IsAbs() {
		if p.Base == "" {
			return nil, Invalid("callback.url", "relative url %q needs the caller's callbackBase", raw)
		}
		base, err := url.Parse(p.Base)
		if err != nil {
			return nil, Invalid("callback.url", "callbackBase is not a url")
		}
		ref = base.JoinPath(ref.Path)
		ref.RawQuery = mustParse(raw).RawQuery
	}
	if ref.Scheme != "http" && ref.Scheme != "https" {
		return nil, Invalid("callback.url", "scheme must be http or https, got %q", ref.Scheme)
	}
	if ref.Hostname() == "" {
		return nil, Invalid("callback.url", "has no host")
	}
	if !p.hostAllowed(ref.Hostname()) {
		return nil, Invalid("callback.url", "host %q is not the caller's callbackBase host nor in allowCallbackHosts", ref.Hostname())
	}
	return ref, nil
}

func mustParse(raw string) *url.URL {
	u, _ := url.Parse(raw)
	return u
}

// configured reports whether host is named by the policy itself (Base's
// host or an exact AllowHosts entry): such hosts may be private.
func (p CallbackPolicy) configured(host string) bool {
	if b, err := url.Parse(p.Base); err == nil && p.Base != "" && strings.EqualFold(b.Hostname(), host) {
		return true
	}
	for _, h := range p.AllowHosts {
		if strings.EqualFold(h, host) {
			return true
		}
	}
	return false
}

func (p CallbackPolicy) hostAllowed(host string) bool {
	if p.configured(host) {
		return true
	}
	for _, h := range p.AllowHosts {
		suffix, wild := strings.CutPrefix(h, "*")
		if wild && (suffix == "" || strings.HasSuffix(strings.ToLower(host), strings.ToLower(suffix))) {
			return true
		}
	}
	return false
}

// CheckResolved refuses a url whose host is not configured and resolves
// to an address a callback may not reach. A nil resolver means
// net.DefaultResolver.
func (p CallbackPolicy) CheckResolved(ctx context.Context, u *url.URL, r *net.Resolver) error {
	host := u.Hostname()
	if p.configured(host) {
		return nil
	}
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return Invalid("callback.url", "host %q does not resolve: %v", host, err)
	}
	for _, a := range addrs {
		if forbidden(a) {
			return Invalid("callback.url", "host %q resolves to %s, a private or internal address", host, a)
		}
	}
	return nil
}

// internalNets are the ranges a callback may not reach unless configured.
var internalNets = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("fd00:ec2::/32"),  // cloud metadata (AWS IPv6)
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64: may embed a private IPv4
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("169.254.0.0/16"), // link-local, metadata 169.254.169.254
}

// forbidden reports whether a is loopback, private, link-local,
// unique-local, multicast, unspecified or another internal range.
func forbidden(a netip.Addr) bool {
	a = a.Unmap()
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() || !a.IsValid() {
		return true
	}
	for _, n := range internalNets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// SafeDialer returns a dialer that refuses, at connect time, internal
// addresses for hosts that allowed does not accept. It checks the address
// actually dialled, after DNS, so a name that re-resolves to an internal
// address (DNS rebinding) is refused too. base may be nil.
func SafeDialer(base *net.Dialer, allowed func(host string) bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if base == nil {
		base = &net.Dialer{}
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if allowed != nil && allowed(host) {
			return base.DialContext(ctx, network, addr)
		}
		d := *base
		d.Control = refuseInternal
		return d.DialContext(ctx, network, addr)
	}
}

// errInternalAddr is what SafeDialer's guard answers.
var errInternalAddr = Invalid("callback.url", "connection to a private or internal address refused")

func refuseInternal(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || forbidden(ap.Addr()) {
		return errInternalAddr
	}
	return nil
}
