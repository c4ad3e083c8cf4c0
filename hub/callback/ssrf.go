package callback

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"

	"github.com/callhub/callhub/hub"
)

// Policy is where one caller's callbacks may go: relative urls
// resolve against Base (the caller's callbackBase); absolute ones must be
// on Base's host or match one of AllowHosts (allowCallbackHosts:
// "hooks.example.com", "*.example.com", or "*" for any public host).
// Configured hosts, Base's host and exact AllowHosts entries, may be on
// private addresses; any other host must resolve to public ones (SSRF
// guard). The zero value refuses every callback.
type Policy struct {
	Base       string
	AllowHosts []string
}

// Resolve returns the absolute url of a callback, or ErrInvalid naming
// callback.url. A url with no scheme is relative: its path and query are
// appended to Base.
func (p Policy) Resolve(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, hub.Invalid("callback.url", "not a url: %v", err)
	}
	if !u.IsAbs() {
		if u, err = p.join(u); err != nil {
			return nil, err
		}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, hub.Invalid("callback.url", "scheme must be http or https, got %q", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, hub.Invalid("callback.url", "has no host")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, hub.Invalid("callback.url", "port %s is not from 1 to 65535", port)
		}
	}
	if !p.hostAllowed(u.Hostname()) {
		return nil, hub.Invalid("callback.url", "host %q is not the caller's callbackBase host nor in allowCallbackHosts", u.Hostname())
	}
	return u, nil
}

// join resolves the relative url ref against Base.
func (p Policy) join(ref *url.URL) (*url.URL, error) {
	if p.Base == "" {
		return nil, hub.Invalid("callback.url", "relative url needs the caller's callbackBase")
	}
	if ref.Host != "" || ref.User != nil {
		// "//evil.example/x" is relative but names a host of its own.
		return nil, hub.Invalid("callback.url", "relative url must not name a host")
	}
	base, err := url.Parse(p.Base)
	if err != nil {
		return nil, hub.Invalid("callback.url", "caller's callbackBase is not a url")
	}
	u := base.JoinPath(ref.EscapedPath())
	u.RawQuery = ref.RawQuery
	return u, nil
}

// configured reports whether host is named by the policy itself, as
// Base's host or an exact AllowHosts entry: such hosts may be private.
// A wildcard match is allowed by Resolve but is not configured.
func (p Policy) configured(host string) bool {
	if host == "" {
		return false
	}
	if b, err := url.Parse(p.Base); err == nil && strings.EqualFold(b.Hostname(), host) {
		return true
	}
	for _, h := range p.AllowHosts {
		if strings.EqualFold(h, host) {
			return true
		}
	}
	return false
}

// hostAllowed reports whether an absolute url may name host.
func (p Policy) hostAllowed(host string) bool {
	if p.configured(host) {
		return true
	}
	host = strings.ToLower(host)
	for _, h := range p.AllowHosts {
		if h == "*" {
			return true
		}
		// "*.example.com" matches "a.example.com", never "example.com"
		// nor "evilexample.com".
		if suffix, ok := strings.CutPrefix(strings.ToLower(h), "*."); ok && strings.HasSuffix(host, "."+suffix) {
			return true
		}
	}
	return false
}

// CheckResolved refuses, with ErrInvalid naming callback.url, a url whose
// host is not configured and is, or resolves to, an address a callback
// may not reach. A nil resolver means net.DefaultResolver. The answer
// holds only for this lookup: send with safeDialer to hold at connect time.
func (p Policy) CheckResolved(ctx context.Context, u *url.URL, r *net.Resolver) error {
	host := u.Hostname()
	if p.configured(host) {
		return nil
	}
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return hub.Invalid("callback.url", "host %q does not resolve: %s", host, lookupReason(err))
	}
	for _, a := range addrs {
		if forbidden(a) {
			return hub.Invalid("callback.url", "host %q resolves to %s, a private or internal address", host, a)
		}
	}
	return nil
}

// lookupReason says why a lookup failed without naming the resolver:
// a *net.DNSError prints "lookup h on 10.0.0.2:53: ...", and the hub's
// resolver address is none of a client's business.
func lookupReason(err error) string {
	var de *net.DNSError
	switch {
	case !errors.As(err, &de):
		return "lookup failed"
	case de.IsNotFound:
		return "no such host"
	case de.IsTimeout:
		return "lookup timed out"
	}
	return "lookup failed"
}

// special4 are the IPv4 blocks of the IANA special-purpose registry
// (RFC 6890 and its updates), the multicast range and the limited
// broadcast: none is a public callback receiver. A few registry entries
// that are globally reachable (AS112, AMT, the PCP and TURN anycasts) are
// refused with their block: no receiver lives there.
var special4 = prefixes(
	"0.0.0.0/8",          // "this network"
	"10.0.0.0/8",         // private
	"100.64.0.0/10",      // shared address space (carrier-grade NAT)
	"127.0.0.0/8",        // loopback
	"169.254.0.0/16",     // link-local, metadata 169.254.169.254
	"172.16.0.0/12",      // private
	"192.0.0.0/24",       // IETF protocol assignments, DS-Lite, NAT64 discovery
	"192.0.2.0/24",       // documentation (TEST-NET-1)
	"192.31.196.0/24",    // AS112-v4
	"192.52.193.0/24",    // AMT
	"192.88.99.0/24",     // deprecated 6to4 relay anycast
	"192.168.0.0/16",     // private
	"192.175.48.0/24",    // AS112 direct delegation
	"198.18.0.0/15",      // benchmarking
	"198.51.100.0/24",    // documentation (TEST-NET-2)
	"203.0.113.0/24",     // documentation (TEST-NET-3)
	"224.0.0.0/4",        // multicast
	"240.0.0.0/4",        // reserved
	"255.255.255.255/32", // limited broadcast
)

// global6 is the IPv6 global unicast space. Everything outside it is
// refused: ::/128, ::1, ::/96 (IPv4-compatible), ::ffff:0:0:0/96
// (IPv4-translated), 100::/64 (discard), 5f00::/16 (SRv6), fc00::/7,
// fe80::/10, fec0::/10 (site-local), ff00::/8 (multicast) — except the
// two forms that carry an IPv4 address, which are judged by it.
var global6 = netip.MustParsePrefix("2000::/3")

// special6 are the IANA special-purpose IPv6 blocks inside global6 that
// are no public receiver.
var special6 = prefixes(
	"2001::/23",     // IETF protocol assignments: Teredo 2001::/32, ORCHID, benchmarking 2001:2::/48
	"2001:db8::/32", // documentation
	"3fff::/20",     // documentation
)

var (
	mapped4 = netip.MustParsePrefix("::ffff:0:0/96") // IPv4-mapped
	nat64   = netip.MustParsePrefix("64:ff9b::/96")  // NAT64 well-known prefix: IPv4 in the last 4 bytes
	sixTo4  = netip.MustParsePrefix("2002::/16")     // 6to4: IPv4 in bytes 2 to 5
)

func prefixes(ss ...string) []netip.Prefix {
	ps := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		ps[i] = netip.MustParsePrefix(s)
	}
	return ps
}

// forbidden reports whether a is an address a callback may not reach:
// any IPv4 address in special4, any IPv6 address outside global6 or in
// special6. An IPv4-mapped, NAT64 (64:ff9b::/96) or 6to4 address is
// judged by the IPv4 address it carries; the local-use NAT64 prefix
// 64:ff9b:1::/48 is outside global6 and refused whole.
func forbidden(a netip.Addr) bool {
	a = a.WithZone("")
	switch {
	case !a.IsValid():
		return true
	case a.Is4():
		return inAny(special4, a)
	case mapped4.Contains(a):
		return forbidden(a.Unmap())
	case nat64.Contains(a):
		b := a.As16()
		return forbidden(netip.AddrFrom4([4]byte(b[12:16])))
	case sixTo4.Contains(a):
		b := a.As16()
		return forbidden(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return !global6.Contains(a) || inAny(special6, a)
}

func inAny(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// safeDialer returns a DialContext for an http.Transport that refuses, at
// connect time, every forbidden address of a host that allowed does not
// accept (allowed sees the url's host, without port; nil accepts none).
// It checks the address actually dialled, after DNS, so a name that
// re-resolves to an internal address (DNS rebinding) is refused too, with
// an error that matches ErrInvalid. base may be nil; its Control or
// ControlContext still runs after the check. Build the client with
//
//	tr := http.DefaultTransport.(*http.Transport).Clone()
//	tr.Proxy = nil // a proxy would dial the callback's host past the guard
//	tr.DialContext = safeDialer(&net.Dialer{Timeout: 10 * time.Second}, policy.configured)
//	client := &http.Client{Transport: tr, CheckRedirect: noRedirects}
//
// one Transport per policy, so no caller reuses a connection that another
// caller's configuration allowed.
func safeDialer(base *net.Dialer, allowed func(host string) bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if base == nil {
		base = &net.Dialer{}
	}
	guarded := *base
	guarded.Control, guarded.ControlContext = nil, refuseInternal(base)
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if allowed != nil && allowed(host) {
			return base.DialContext(ctx, network, addr)
		}
		return guarded.DialContext(ctx, network, addr)
	}
}

// refuseInternal returns a ControlContext that refuses forbidden
// addresses, then runs base's own hook.
func refuseInternal(base *net.Dialer) func(context.Context, string, string, syscall.RawConn) error {
	return func(ctx context.Context, network, address string, c syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || forbidden(ap.Addr()) {
			return hub.Invalid("callback.url", "connection to %s refused: a private or internal address", address)
		}
		switch {
		case base.ControlContext != nil:
			return base.ControlContext(ctx, network, address, c)
		case base.Control != nil:
			return base.Control(network, address, c)
		}
		return nil
	}
}
