package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/callhub/callhub/api"
	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
)

// publicURL is how services reach this hub: the configured one, or the
// listen address (loopback when it listens on all interfaces).
func publicURL(cfg *Config, addr net.Addr) string {
	if cfg.PublicURL != "" {
		return strings.TrimSuffix(cfg.PublicURL, "/")
	}
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		_, port, _ := net.SplitHostPort(addr.String())
		return "http://127.0.0.1:" + port
	}
	return "http://" + tcp.String()
}

// deliveryConfig is the callback engine's part of the config.
func deliveryConfig(cfg *Config, q callback.Queue, logger *slog.Logger) callback.Config {
	callers := make([]callback.Caller, 0, len(cfg.Callers))
	for _, c := range cfg.Callers {
		callers = append(callers, callback.Caller{ID: c.ID, CallbackBase: c.CallbackBase,
			AllowCallbackHosts: c.AllowCallbackHosts, WebhookSecret: c.WebhookSecret})
	}
	d := cfg.Delivery
	schedule := make([]time.Duration, len(d.Schedule))
	for i, s := range d.Schedule {
		schedule[i] = s.D()
	}
	return callback.Config{Queue: q, Callers: callers, Schedule: schedule, MaxAttempts: d.MaxAttempts,
		Timeout: d.Timeout.D(), RatePerEndpoint: d.RatePerEndpoint, DisableAfter: d.DisableAfter.D(), Logger: logger}
}

func hubServices(cfg *Config) []hub.Service {
	out := make([]hub.Service, 0, len(cfg.Services)+1)
	for _, s := range cfg.Services {
		svc := hub.Service{ID: s.ID, BaseURL: s.BaseURL, Timeout: s.Timeout.D(), Headers: s.Headers,
			CancelPath: s.CancelPath}
		if b := s.Breaker; b != nil {
			svc.Breaker = hub.Breaker{Failures: b.Failures, Cooldown: b.Cooldown.D()}
		}
		out = append(out, svc)
	}
	return out
}

// apiKeys lists every credential of the config for the api's auth.
func apiKeys(cfg *Config) ([]api.Key, error) {
	var keys []api.Key
	for i, c := range cfg.Callers {
		addrs, err := prefixes(fmt.Sprintf("callers[%d].allowAddrs", i), c.AllowAddrs)
		if err != nil {
			return nil, err
		}
		keys = append(keys, api.Key{Kind: "caller", ID: c.ID, APIKey: c.APIKey, AllowAddrs: addrs})
	}
	for i, s := range cfg.Services {
		addrs, err := prefixes(fmt.Sprintf("services[%d].allowAddrs", i), s.AllowAddrs)
		if err != nil {
			return nil, err
		}
		keys = append(keys, api.Key{Kind: "service", ID: s.ID, APIKey: s.APIKey, AllowAddrs: addrs})
	}
	if cfg.Admin.APIKey != "" {
		keys = append(keys, api.Key{Kind: "admin", ID: "admin", APIKey: cfg.Admin.APIKey})
	}
	return keys, nil
}

func prefixes(key string, cidrs []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(cidrs))
	for i, c := range cidrs {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: invalid CIDR %q", key, i, c)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// banner tells a newcomer what is running and how to try it. With
// log.format json it is one JSON line like every log line, so a log
// shipper reading stdout and stderr together reads JSON only.
func (a *app) banner(w io.Writer) {
	u := a.public
	if a.cfg.Log.Format == "json" {
		slog.New(slog.NewJSONHandler(w, nil)).Info("callhub serving", "url", u, "store", a.cfg.Store, "dev", a.dev)
		return
	}
	if !a.dev {
		fmt.Fprintf(w, "callhub serving on %s (store %s)\n", u, a.cfg.Store)
		return
	}
	keys := "no keys needed"
	if a.cfg.Admin.APIKey != "" {
		keys = "no keys needed but the admin key, for admin routes"
	}
	fmt.Fprintf(w, `callhub dev mode on %[1]s: in-memory store, demo service "echo", %[3]s
  web UI  %[1]s/
  sync    curl -s %[1]s/v1/requests -d '{"serviceId":"echo","method":"POST","path":"/echo","form":{"hello":"world"}}'
  async   curl -s %[1]s/v1/requests -d '{"serviceId":"echo","path":"/async?replies=3&delayMs=500","async":true}'
  watch   curl -sN %[1]s/v1/requests/<cid>/events      (or WebSocket: %[2]s/v1/ws?cid=<cid>)
`, u, "ws"+strings.TrimPrefix(u, "http"), keys)
}
