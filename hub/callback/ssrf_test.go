package callback

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
)

// TestForbidden judges addresses by the IANA special-purpose registries
// for IPv4 and IPv6, and each address an IPv6 one carries by its IPv4.
func TestForbidden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		want bool // true: refused
		why  string
	}{
		{"0.0.0.0", true, "this network"}, {"0.1.2.3", true, "this network 0.0.0.0/8"},
		{"10.0.0.1", true, "private"}, {"172.16.5.4", true, "private"}, {"192.168.1.1", true, "private"},
		{"100.64.0.1", true, "shared 100.64.0.0/10"}, {"100.127.255.254", true, "shared 100.64.0.0/10"},
		{"127.0.0.1", true, "loopback"}, {"127.255.255.254", true, "loopback"},
		{"169.254.169.254", true, "link-local, metadata"},
		{"192.0.0.1", true, "IETF protocol assignments"}, {"192.0.0.170", true, "NAT64 discovery"},
		{"192.0.2.1", true, "TEST-NET-1"}, {"198.51.100.7", true, "TEST-NET-2"}, {"203.0.113.9", true, "TEST-NET-3"},
		{"192.88.99.1", true, "6to4 relay anycast"}, {"192.31.196.1", true, "AS112"}, {"192.52.193.1", true, "AMT"},
		{"198.18.0.1", true, "benchmarking 198.18.0.0/15"}, {"198.19.255.255", true, "benchmarking 198.18.0.0/15"},
		{"224.0.0.1", true, "multicast"}, {"233.252.0.1", true, "multicast"}, {"239.255.255.250", true, "multicast"},
		{"240.0.0.1", true, "reserved 240.0.0.0/4"}, {"255.255.255.255", true, "broadcast"},
		{"::", true, "unspecified"}, {"::1", true, "loopback"},
		{"::127.0.0.1", true, "IPv4-compatible ::/96"}, {"::8.8.8.8", true, "IPv4-compatible ::/96, deprecated"},
		{"::ffff:127.0.0.1", true, "mapped private"}, {"::ffff:169.254.169.254", true, "mapped metadata"},
		{"::ffff:0:a00:1", true, "IPv4-translated ::ffff:0:0:0/96"},
		{"64:ff9b::7f00:1", true, "NAT64 of 127.0.0.1"}, {"64:ff9b::a00:1", true, "NAT64 of 10.0.0.1"},
		{"64:ff9b::a9fe:a9fe", true, "NAT64 of 169.254.169.254"},
		{"64:ff9b:1::a00:1", true, "local-use NAT64 64:ff9b:1::/48"}, {"64:ff9b:1:ffff::1", true, "local-use NAT64"},
		{"100::1", true, "discard-only 100::/64"},
		{"2001::1", true, "Teredo 2001::/32"}, {"2001:0:4136:e378:8000:63bf:3fff:fdd2", true, "Teredo"},
		{"2001:2::1", true, "benchmarking"}, {"2001:10::1", true, "ORCHID"}, {"2001:1ff::1", true, "IETF 2001::/23"},
		{"2001:db8::1", true, "documentation"}, {"3fff::1", true, "documentation 3fff::/20"},
		{"2002:7f00:1::", true, "6to4 of 127.0.0.1"}, {"2002:a00:1::1", true, "6to4 of 10.0.0.1"},
		{"2002:c0a8:101::1", true, "6to4 of 192.168.1.1"},
		{"5f00::1", true, "SRv6 SIDs"}, {"fc00::1", true, "unique-local"}, {"fd00::1", true, "unique-local"},
		{"fd00:ec2::254", true, "AWS metadata"}, {"fe80::1", true, "link-local"}, {"fe80::1%eth0", true, "link-local with zone"},
		{"fec0::1", true, "site-local fec0::/10"}, {"feff::1", true, "site-local fec0::/10"},
		{"ff02::1", true, "multicast"}, {"ff0e::1", true, "multicast"}, {"4000::1", true, "unallocated, outside 2000::/3"},
		{"93.184.216.34", false, "public"}, {"8.8.8.8", false, "public"}, {"1.1.1.1", false, "public"},
		{"100.63.255.255", false, "just below 100.64.0.0/10"}, {"100.128.0.0", false, "just above 100.64.0.0/10"},
		{"198.17.255.255", false, "just below 198.18.0.0/15"}, {"198.20.0.0", false, "just above 198.18.0.0/15"},
		{"223.255.255.255", false, "just below multicast"},
		{"2606:4700::1111", false, "public"}, {"2a00:1450:4001::1", false, "public"},
		{"::ffff:93.184.216.34", false, "mapped public"}, {"64:ff9b::808:808", false, "NAT64 of 8.8.8.8"},
		{"2002:5db8:d822::1", false, "6to4 of a public address"}, {"2001:200::1", false, "just above 2001::/23"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			t.Parallel()
			if got := forbidden(netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Errorf("forbidden(%s) = %t, want %t (%s)", tt.addr, got, tt.want, tt.why)
			}
		})
	}
}

func TestCallbackPolicyResolve(t *testing.T) {
	t.Parallel()
	p := Policy{Base: "http://shop.internal:8080/app", AllowHosts: []string{"hooks.shop.example", "*.cdn.example"}}
	tests := []struct {
		name   string
		policy Policy
		raw    string
		want   string // "" wants hub.ErrInvalid
	}{
		{"relative", p, "/callback?x=1", "http://shop.internal:8080/app/callback?x=1"},
		{"relative without slash", p, "cb/done", "http://shop.internal:8080/app/cb/done"},
		{"relative escaped", p, "/a%2520b", "http://shop.internal:8080/app/a%2520b"},
		{"base host", p, "http://shop.internal:8080/other/cb", "http://shop.internal:8080/other/cb"},
		{"allowed host", p, "https://hooks.shop.example/cb", "https://hooks.shop.example/cb"},
		{"allowed host any case", p, "https://HOOKS.shop.example/cb", "https://HOOKS.shop.example/cb"},
		{"wildcard", p, "https://a.b.cdn.example/cb", "https://a.b.cdn.example/cb"},
		{"star", Policy{AllowHosts: []string{"*"}}, "http://93.184.216.34/cb", "http://93.184.216.34/cb"},
		{"wildcard is not its apex", p, "https://cdn.example/cb", ""},
		{"wildcard suffix only", p, "https://evilcdn.example/cb", ""},
		{"wildcard without dot", Policy{AllowHosts: []string{"*cdn.example"}}, "https://evilcdn.example/cb", ""},
		{"other host", p, "http://evil.example/cb", ""},
		{"lookalike", p, "https://cdn.example.evil/x", ""},
		{"userinfo trick", p, "http://hooks.shop.example@evil.example/", ""},
		{"ftp", p, "ftp://hooks.shop.example/x", ""},
		{"file", p, "file:///etc/passwd", ""},
		{"no host", p, "http:///cb", ""},
		{"protocol relative", p, "//evil.example/cb", ""},
		{"relative without base", Policy{}, "/cb", ""},
		{"bad base", Policy{Base: "http://[::1"}, "/cb", ""},
		{"not a url", p, "http://a b/", ""},
		{"port out of range", p, "http://hooks.shop.example:99999/cb", ""},
		{"port zero", p, "http://hooks.shop.example:0/cb", ""},
		{"port in range", p, "http://hooks.shop.example:65535/cb", "http://hooks.shop.example:65535/cb"},
	}
	for _, tt := range tests {
		u, err := tt.policy.Resolve(tt.raw)
		switch {
		case tt.want == "" && (!errors.Is(err, hub.ErrInvalid) || !strings.HasPrefix(err.Error(), "callback.url: ")):
			t.Errorf("%s: Resolve(%q) = %v, %v; want hub.ErrInvalid naming callback.url", tt.name, tt.raw, u, err)
		case tt.want != "" && (err != nil || u.String() != tt.want):
			t.Errorf("%s: Resolve(%q) = %v, %v; want %s", tt.name, tt.raw, u, err, tt.want)
		}
	}
}

func TestResolveWithoutBaseMessage(t *testing.T) {
	t.Parallel()
	_, err := Policy{}.Resolve("/cb")
	if got, want := err.Error(), "callback.url: relative url needs the caller's callbackBase"; got != want {
		t.Errorf("Resolve(/cb) error = %q, want %q", got, want)
	}
}

func TestCallbackPolicyConfigured(t *testing.T) {
	t.Parallel()
	p := Policy{Base: "http://127.0.0.1:9/x", AllowHosts: []string{"Hooks.Example", "*.cdn.example", "*"}}
	tests := []struct {
		host string
		want bool
	}{
		{"127.0.0.1", true}, {"hooks.example", true}, {"a.cdn.example", false}, {"other.example", false}, {"", false},
	}
	for _, tt := range tests {
		if got := p.configured(tt.host); got != tt.want {
			t.Errorf("configured(%q) = %t, want %t", tt.host, got, tt.want)
		}
	}
}

func TestCheckResolved(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	open := Policy{AllowHosts: []string{"*"}}
	tests := []struct {
		policy Policy
		raw    string
		ok     bool
	}{
		{open, "http://169.254.169.254/latest/meta-data", false},
		{open, "http://127.0.0.1/cb", false},
		{open, "http://10.0.0.1/cb", false},
		{open, "http://192.168.1.1/cb", false},
		{open, "http://[::1]/cb", false},
		{open, "http://[fd00::1]/cb", false},
		{open, "http://[fd00:ec2::254]/cb", false},
		{open, "http://100.64.0.1/cb", false},
		{open, "http://[::ffff:127.0.0.1]/cb", false},
		{open, "http://[::127.0.0.1]/cb", false},
		{open, "http://[64:ff9b::7f00:1]/cb", false},
		{open, "http://198.18.0.1/cb", false},
		{open, "http://localhost/cb", false},
		{open, "http://93.184.216.34/cb", true}, // an IP literal resolves to itself: nothing is sent
		{Policy{Base: srv.URL}, srv.URL + "/cb", true},
		{Policy{AllowHosts: []string{"localhost"}}, "http://localhost/cb", true},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.raw)
		if err != nil {
			t.Fatal(err)
		}
		err = tt.policy.CheckResolved(t.Context(), u, nil)
		if tt.ok && err != nil {
			t.Errorf("CheckResolved(%s) = %v, want allowed", tt.raw, err)
		}
		if !tt.ok && !errors.Is(err, hub.ErrInvalid) {
			t.Errorf("CheckResolved(%s) = %v, want hub.ErrInvalid", tt.raw, err)
		}
	}
}

// TestSafeDialer: at connect time the dialer refuses a loopback server
// unless its host is configured, whatever a resolver said before.
func TestSafeDialer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	only := func(want string) func(string) bool { return func(h string) bool { return h == want } }
	tests := []struct {
		name    string
		host    string
		allowed func(string) bool
		ok      bool
	}{
		{"ip not configured", "127.0.0.1", only("localhost"), false},
		{"nil allowed", "127.0.0.1", nil, false},
		{"name not configured", "localhost", only("127.0.0.1"), false},
		{"ipv4-compatible", "::127.0.0.1", only("localhost"), false},
		{"ipv4-mapped", "::ffff:127.0.0.1", only("localhost"), false},
		{"ip configured", "127.0.0.1", only("127.0.0.1"), true},
		{"name configured", "localhost", only("localhost"), true},
	}
	for _, tt := range tests {
		err := getVia(t, "http://"+net.JoinHostPort(tt.host, port), safeDialer(nil, tt.allowed))
		if tt.ok && err != nil {
			t.Errorf("%s: GET = %v, want connected", tt.name, err)
		}
		if !tt.ok && !errors.Is(err, hub.ErrInvalid) {
			t.Errorf("%s: GET = %v, want hub.ErrInvalid at connect", tt.name, err)
		}
	}
}

// TestSafeDialerKeepsBaseControl: the guard runs before the base
// dialer's own hook, and does not replace it.
func TestSafeDialerKeepsBaseControl(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	var calls atomic.Int32
	base := &net.Dialer{ControlContext: func(context.Context, string, string, syscall.RawConn) error {
		calls.Add(1)
		return nil
	}}
	if err := getVia(t, srv.URL, safeDialer(base, func(string) bool { return false })); !errors.Is(err, hub.ErrInvalid) {
		t.Errorf("GET unconfigured = %v, want hub.ErrInvalid", err)
	}
	if got := calls.Load(); got != 0 {
		t.Errorf("base ControlContext ran %d times for a refused address, want 0", got)
	}
	if err := getVia(t, srv.URL, safeDialer(base, func(string) bool { return true })); err != nil {
		t.Errorf("GET configured = %v, want connected", err)
	}
	if got := calls.Load(); got != 1 {
		t.Errorf("base ControlContext ran %d times, want 1", got)
	}
}

// getVia sends one GET through a fresh transport dialling with dial.
func getVia(tb testing.TB, rawURL string, dial func(context.Context, string, string) (net.Conn, error)) error {
	tb.Helper()
	tr := &http.Transport{DialContext: dial}
	defer tr.CloseIdleConnections()
	c := &http.Client{Timeout: 5 * time.Second, Transport: tr}
	resp, err := c.Get(rawURL)
	if err == nil {
		resp.Body.Close()
	}
	return err
}

// TestCheckResolvedHidesResolver: a failed lookup names the callback's
// host, never the resolver the hub asked. The resolver's dial fails on
// the spot, so no DNS query leaves the process.
func TestCheckResolvedHidesResolver(t *testing.T) {
	t.Parallel()
	const host = "callback-host.example"
	r := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("resolver down")
	}}
	u := &url.URL{Scheme: "http", Host: host, Path: "/cb"}
	err := Policy{AllowHosts: []string{"*"}}.CheckResolved(t.Context(), u, r)
	if !errors.Is(err, hub.ErrInvalid) {
		t.Fatalf("CheckResolved = %v, want hub.ErrInvalid", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "callback.url") || !strings.Contains(msg, host) {
		t.Errorf("CheckResolved = %q, want it to name callback.url and %s", msg, host)
	}
	for _, leak := range []string{" on ", ":53", "resolver down"} {
		if strings.Contains(msg, leak) {
			t.Errorf("CheckResolved = %q, names the resolver (%q)", msg, leak)
		}
	}
}
