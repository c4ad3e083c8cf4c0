package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// problems collects every wrong key of a config, each a *keyError.
type problems []error

// add records that key is wrong and why.
func (p *problems) add(key, format string, args ...any) {
	*p = append(*p, &keyError{Key: key, Why: fmt.Sprintf(format, args...)})
}

// keyError is one wrong setting: its key path, as in
// "callers[0].callbackBase", and why it is wrong.
type keyError struct {
	Key  string
	Why  string
	Line int // of its value in the file, when known; else withLines finds the key's
}

func (e *keyError) Error() string { return e.Key + ": " + e.Why }

// validate names every wrong key and why, all at once (errors.Join).
func (c *Config) validate() error {
	var p problems
	c.validateServer(&p)
	c.validateDelivery(&p)
	c.validateLimits(&p)
	c.validateCallers(&p)
	c.validateServices(&p)
	c.validateKeys(&p)
	c.validateCompat(&p)
	c.validateLog(&p)
	c.validateTracing(&p)
	return errors.Join(p...)
}

// validateServer checks listen, publicURL, store, redis and secret.
func (c *Config) validateServer(p *problems) {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		p.add("listen", "must be host:port or :port, got %q", c.Listen)
	}
	if c.PublicURL != "" && !httpURL(c.PublicURL) {
		p.add("publicURL", "must be an absolute http(s) URL, got %q", c.PublicURL)
	}
	if c.UI != "console" && c.UI != "playground" && c.UI != "off" {
		p.add("ui", "must be console, playground or off, got %q", c.UI)
	}
	switch c.Store {
	case "memory":
	case "redis":
		c.validateRedis(p)
	default:
		p.add("store", "must be memory or redis, got %q", c.Store)
	}
}

// validateRedis checks what store redis needs.
func (c *Config) validateRedis(p *problems) {
	r := c.Redis
	if r.URL == "" && len(r.Addrs) == 0 {
		p.add("redis.url", "required when store is redis (or redis.addrs)")
	}
	if u, err := url.Parse(r.URL); r.URL != "" && (err != nil || !redisSchemes[u.Scheme]) {
		p.add("redis.url", "must be a redis://, rediss:// or unix:// URL, got %q", r.URL)
	}
	for i, a := range r.Addrs {
		if _, _, err := net.SplitHostPort(a); err != nil {
			p.add(fmt.Sprintf("redis.addrs[%d]", i), "must be host:port, got %q", a)
		}
	}
	if r.WaitReplicas < 0 {
		p.add("redis.waitReplicas", "must be ≥ 0, got %d", r.WaitReplicas)
	}
	if r.WaitTimeout > maxWaitTimeout {
		p.add("redis.waitTimeout", "must be at most %s, got %s", maxWaitTimeout, r.WaitTimeout)
	}
	if r.Timeout < minRedisTimeout || r.Timeout > maxRedisTimeout {
		p.add("redis.timeout", "must be between %s and %s, got %s", minRedisTimeout, maxRedisTimeout, r.Timeout)
	}
	if r.PoolSize < 0 || r.PoolSize > maxPoolSize {
		p.add("redis.poolSize", "must be between 0 (the Redis client's default) and %d, got %d", maxPoolSize, r.PoolSize)
	}
	if c.Secret == "" {
		p.add("secret", "required when store is redis, so every instance signs tokens alike")
	}
}

// redisSchemes are the URL schemes go-redis's ParseURL takes.
var redisSchemes = map[string]bool{"redis": true, "rediss": true, "unix": true}

// validateDelivery checks the delivery section.
func (c *Config) validateDelivery(p *problems) {
	d := c.Delivery
	if d.MaxAttempts < 1 {
		p.add("delivery.maxAttempts", "must be ≥ 1, got %d", d.MaxAttempts)
	}
	for i, s := range d.Schedule {
		if s <= 0 {
			p.add(fmt.Sprintf("delivery.schedule[%d]", i), "must be > 0")
		}
	}
	if d.RatePerEndpoint < 0 {
		p.add("delivery.ratePerEndpoint", "must be ≥ 0 (0 is no limit), got %g", d.RatePerEndpoint)
	}
}

// validateLimits checks the limits section.
func (c *Config) validateLimits(p *problems) {
	l := c.Limits
	if l.MaxBodyBytes < 1 {
		p.add("limits.maxBodyBytes", "must be ≥ 1")
	}
	if l.MaxFileBytes < 1 {
		p.add("limits.maxFileBytes", "must be ≥ 1")
	}
	if l.WSSendBuffer < 1 {
		p.add("limits.wsSendBuffer", "must be ≥ 1, got %d", l.WSSendBuffer)
	}
	if l.RatePerCaller < 0 {
		p.add("limits.ratePerCaller", "must be ≥ 0 (0 is no limit), got %g", l.RatePerCaller)
	}
	if l.MaxConnsPerClient < 0 {
		p.add("limits.maxConnsPerClient", "must be ≥ 0 (0 is no cap), got %d", l.MaxConnsPerClient)
	}
}

// validateCallers checks each entry of callers.
func (c *Config) validateCallers(p *problems) {
	first := map[string]int{}
	for i, cl := range c.Callers {
		key := fmt.Sprintf("callers[%d]", i)
		checkID(p, "callers", i, cl.ID, first)
		if cl.APIKey == "" && len(cl.AllowAddrs) == 0 {
			p.add(key, "needs an apiKey or allowAddrs, or it can never authenticate")
		}
		if cl.CallbackBase != "" && !httpURL(cl.CallbackBase) {
			p.add(key+".callbackBase", "must be an absolute http(s) URL, got %q", cl.CallbackBase)
		}
		for j, h := range cl.AllowCallbackHosts {
			if h == "" || strings.ContainsAny(h, "/ ") {
				p.add(fmt.Sprintf("%s.allowCallbackHosts[%d]", key, j), "must be a host name, got %q", h)
			}
		}
		if cl.WebhookSecret != "" && !webhookSecret(cl.WebhookSecret) {
			p.add(key+".webhookSecret", `must be "whsec_" followed by base64`)
		}
		checkCIDRs(p, key+".allowAddrs", cl.AllowAddrs)
	}
}

// validateServices checks each entry of services.
func (c *Config) validateServices(p *problems) {
	first := map[string]int{}
	for i, s := range c.Services {
		key := fmt.Sprintf("services[%d]", i)
		checkID(p, "services", i, s.ID, first)
		if !httpURL(s.BaseURL) {
			p.add(key+".baseURL", "must be an absolute http(s) URL, got %q", s.BaseURL)
		}
		checkCIDRs(p, key+".allowAddrs", s.AllowAddrs)
		if s.CancelPath != "" && !strings.HasPrefix(s.CancelPath, "/") {
			p.add(key+".cancelPath", "must start with /, got %q", s.CancelPath)
		}
		checkBreaker(p, key+".breaker", s.Breaker)
	}
}

// checkBreaker checks a service's breaker, when it has one.
func checkBreaker(p *problems, key string, b *BreakerConfig) {
	if b == nil {
		return
	}
	if b.Failures < 1 {
		p.add(key+".failures", "must be ≥ 1, got %d", b.Failures)
	}
	if b.Cooldown <= 0 {
		p.add(key+".cooldown", "must be above 0, e.g. 30s")
	}
}

// validateKeys refuses an apiKey shared by two principals: a key must
// tell the hub who is calling.
func (c *Config) validateKeys(p *problems) {
	owner := map[string]string{}
	claim := func(key, apiKey string) {
		if first, ok := owner[apiKey]; ok && apiKey != "" {
			p.add(key, "same key as %s: a key may stand for one principal only", first)
		} else if apiKey != "" {
			owner[apiKey] = key
		}
	}
	claim("admin.apiKey", c.Admin.APIKey)
	for i, cl := range c.Callers {
		claim(fmt.Sprintf("callers[%d].apiKey", i), cl.APIKey)
	}
	for i, s := range c.Services {
		claim(fmt.Sprintf("services[%d].apiKey", i), s.APIKey)
	}
}

// checkID requires list[i]'s id and refuses one an earlier entry has;
// first maps each id seen to its index.
func checkID(p *problems, list string, i int, id string, first map[string]int) {
	key := fmt.Sprintf("%s[%d].id", list, i)
	if id == "" {
		p.add(key, "required")
		return
	}
	if j, ok := first[id]; ok {
		p.add(key, "duplicate %q (also %s[%d])", id, list, j)
		return
	}
	first[id] = i
}

// checkCIDRs requires each entry of key to be a CIDR prefix.
func checkCIDRs(p *problems, key string, cidrs []string) {
	for i, s := range cidrs {
		if _, err := netip.ParsePrefix(s); err != nil {
			p.add(fmt.Sprintf("%s[%d]", key, i), "invalid CIDR %q", s)
		}
	}
}

// httpURL reports whether s is an absolute http or https URL with a host.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// webhookSecret reports whether s is "whsec_" and non-empty base64, the
// Standard Webhooks secret form.
func webhookSecret(s string) bool {
	b64, ok := strings.CutPrefix(s, "whsec_")
	_, err := base64.StdEncoding.DecodeString(b64)
	return ok && b64 != "" && err == nil
}

// minRedisTimeout and maxRedisTimeout bound redis.timeout: shorter, a
// busy Redis fails healthy calls; longer, a hung one holds every request
// longer than its clients wait.
const (
	minRedisTimeout = Duration(10e6)
	maxRedisTimeout = Duration(60e9)
)

// maxPoolSize bounds redis.poolSize: past it, connections cost Redis
// more than they carry.
const maxPoolSize = 10000

// maxWaitTimeout bounds redis.waitTimeout: a write that waits longer for
// replicas holds its request longer than any client waits.
const maxWaitTimeout = Duration(60e9)
