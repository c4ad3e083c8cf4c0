package hub

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"
	"time"
)

func TestForbiddenAddrs(t *testing.T) {
	refused := []string{"127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
		"0.0.0.0", "::1", "fd00::1", "fe80::1", "::ffff:127.0.0.1", "fd00:ec2::254", "224.0.0.1", "::"}
	for _, s := range refused {
		if !forbidden(netip.MustParseAddr(s)) {
			t.Errorf("forbidden(%s) = false, want refused", s)
		}
	}
	for _, s := range []string{"93.184.216.34", "8.8.8.8", "2606:4700::1111"} {
		if forbidden(netip.MustParseAddr(s)) {
			t.Errorf("forbidden(%s) = true, want public", s)
		}
	}
}

func TestCallbackPolicyResolve(t *testing.T) {
	p := CallbackPolicy{Base: "http://shop.internal:8080/app", AllowHosts: []string{"hooks.shop.example", "*.cdn.example"}}
	ok := map[string]string{
		"/callback?x=1":                      "http://shop.internal:8080/app/callback?x=1",
		"https://hooks.shop.example/cb":      "https://hooks.shop.example/cb",
		"https://a.cdn.example/cb":           "https://a.cdn.example/cb",
		"http://shop.internal:8080/other/cb": "http://shop.internal:8080/other/cb",
	}
	for in, want := range ok {
		u, err := p.Resolve(in)
		if err != nil || u.String() != want {
			t.Errorf("Resolve(%q) = %v, %v; want %s", in, u, err, want)
		}
	}
	for _, in := range []string{"ftp://hooks.shop.example/x", "file:///etc/passwd", "http://evil.example/cb", "https://cdn.example.evil/x"} {
		if _, err := p.Resolve(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("Resolve(%q) = %v, want ErrInvalid", in, err)
		}
	}
	if _, err := (CallbackPolicy{}).Resolve("/cb"); !errors.Is(err, ErrInvalid) {
		t.Errorf("relative url without base = %v, want ErrInvalid", err)
	}
}

func TestCheckResolvedRefusesInternalNames(t *testing.T) {
	p := CallbackPolicy{AllowHosts: []string{"*"}}
	for _, raw := range []string{"http://localhost/cb", "http://127.0.0.1/cb", "http://[::1]/cb", "http://169.254.169.254/"} {
		u, _ := url.Parse(raw)
		if err := p.CheckResolved(context.Background(), u, nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("CheckResolved(%s) = %v, want refused", raw, err)
		}
	}
	u, _ := url.Parse("http://93.184.216.34/cb") // an IP literal resolves to itself: nothing is sent
	if err := p.CheckResolved(context.Background(), u, nil); err != nil {
		t.Errorf("CheckResolved(public IP) = %v, want allowed", err)
	}
	conf := CallbackPolicy{Base: "http://127.0.0.1:9"}
	u, _ = url.Parse("http://127.0.0.1:9/cb")
	if err := conf.CheckResolved(context.Background(), u, nil); err != nil {
		t.Errorf("CheckResolved(configured loopback) = %v, want allowed", err)
	}
}

// TestSafeDialerAtConnectTime: the dialer refuses a loopback server unless
// its host is configured, whatever a resolver said before.
func TestSafeDialerAtConnectTime(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	get := func(allowed func(string) bool) error {
		c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: SafeDialer(nil, allowed)}}
		resp, err := c.Get(srv.URL)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := get(func(string) bool { return false }); !errors.Is(err, ErrInvalid) {
		t.Errorf("unconfigured loopback = %v, want refused at connect", err)
	}
	if err := get(func(h string) bool { return h == "127.0.0.1" }); err != nil {
		t.Errorf("configured loopback = %v, want connected", err)
	}
}
