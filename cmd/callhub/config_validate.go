package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// problems collects every wrong key of a config.
type problems []error

func (p *problems) add(key, format string, args ...any) {
	*p = append(*p, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
}

// validate names every wrong key and why, all at once.
func (c *Config) validate() error {
	var p problems
	if c.Store != "memory" && c.Store != "redis" {
		p.add("store", "must be memory or redis, got %q", c.Store)
	}
	if c.Store == "redis" && c.Redis.URL == "" && len(c.Redis.Addrs) == 0 {
		p.add("redis.url", "required when store is redis (or redis.addrs)")
	}
	if c.PublicURL != "" && !httpURL(c.PublicURL) {
		p.add("publicURL", "must be an absolute http(s) URL, got %q", c.PublicURL)
	}
	c.validateDelivery(&p)
	if c.Limits.WSSendBuffer < 1 {
		p.add("limits.wsSendBuffer", "must be ≥ 1")
	}
	if c.Limits.MaxBodyBytes < 1 {
		p.add("limits.maxBodyBytes", "must be ≥ 1")
	}
	c.validateCallers(&p)
	c.validateServices(&p)
	c.validateKeys(&p)
	return errors.Join(p...)
}

func (c *Config) validateDelivery(p *problems) {
	d := c.Delivery
	if d.MaxAttempts < 1 {
		p.add("delivery.maxAttempts", "must be ≥ 1")
	}
	if d.RatePerEndpoint < 0 {
		p.add("delivery.ratePerEndpoint", "must be ≥ 0")
	}
	if c.Limits.RatePerCaller < 0 {
		p.add("limits.ratePerCaller", "must be ≥ 0")
	}
}

func (c *Config) validateCallers(p *problems) {
	seen := map[string]bool{}
	for i, cl := range c.Callers {
		key := fmt.Sprintf("callers[%d]", i)
		checkID(p, key, cl.ID, seen)
		if cl.CallbackBase != "" && !httpURL(cl.CallbackBase) {
			p.add(key+".callbackBase", "must be an absolute http(s) URL, got %q", cl.CallbackBase)
		}
		if cl.WebhookSecret != "" {
			b64, ok := strings.CutPrefix(cl.WebhookSecret, "whsec_")
			if _, err := base64.StdEncoding.DecodeString(b64); !ok || err != nil || b64 == "" {
				p.add(key+".webhookSecret", `must be "whsec_" followed by base64`)
			}
		}
		checkCIDRs(p, key+".allowAddrs", cl.AllowAddrs)
	}
}

func (c *Config) validateServices(p *problems) {
	seen := map[string]bool{}
	for i, s := range c.Services {
		key := fmt.Sprintf("services[%d]", i)
		checkID(p, key, s.ID, seen)
		if !httpURL(s.BaseURL) {
			p.add(key+".baseURL", "must be an absolute http(s) URL, got %q", s.BaseURL)
		}
		checkCIDRs(p, key+".allowAddrs", s.AllowAddrs)
	}
}

// validateKeys refuses a key that would stand for two principals.
func (c *Config) validateKeys(p *problems) {
	owner := map[string]string{}
	claim := func(key, apiKey string) {
		if apiKey == "" {
			return
		}
		if first, ok := owner[apiKey]; ok {
			p.add(key, "same key as %s: a key may stand for one principal only", first)
			return
		}
		owner[apiKey] = key
	}
	claim("admin.apiKey", c.Admin.APIKey)
	for i, cl := range c.Callers {
		claim(fmt.Sprintf("callers[%d].apiKey", i), cl.APIKey)
	}
	for i, s := range c.Services {
		claim(fmt.Sprintf("services[%d].apiKey", i), s.APIKey)
	}
}

func checkID(p *problems, key, id string, seen map[string]bool) {
	switch {
	case id == "":
		p.add(key+".id", "required")
	case seen[id]:
		p.add(key+".id", "duplicate %q", id)
	}
	seen[id] = true
}

func checkCIDRs(p *problems, key string, cidrs []string) {
	for i, s := range cidrs {
		if _, err := netip.ParsePrefix(s); err != nil {
			p.add(fmt.Sprintf("%s[%d]", key, i), "invalid CIDR %q", s)
		}
	}
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
