package main

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// defaulted is a setting whose unset (zero) value means its default and
// whose zero the docs forbid: written out, in the file or the
// environment, a zero is an error naming the key, never the default in
// disguise.
type defaulted struct {
	key   string // "delivery.maxAttempts"
	env   string // its CALLHUB_* variable
	field func(c *Config) any
}

// defaultedSettings are the settings explicitZeros checks (and
// services[].timeout). A setting where 0 has a meaning, such as
// limits.ratePerCaller (no cap), is not one of them.
var defaultedSettings = []defaulted{
	{"retention", "CALLHUB_RETENTION", func(c *Config) any { return c.Retention }},
	{"redis.timeout", "CALLHUB_REDIS_TIMEOUT", func(c *Config) any { return c.Redis.Timeout }},
	{"redis.waitTimeout", "CALLHUB_REDIS_WAIT_TIMEOUT", func(c *Config) any { return c.Redis.WaitTimeout }},
	{"delivery.maxAttempts", "CALLHUB_DELIVERY_MAX_ATTEMPTS", func(c *Config) any { return c.Delivery.MaxAttempts }},
	{"delivery.timeout", "CALLHUB_DELIVERY_TIMEOUT", func(c *Config) any { return c.Delivery.Timeout }},
	{"delivery.schedule", "CALLHUB_DELIVERY_SCHEDULE", func(c *Config) any { return c.Delivery.Schedule }},
	{"delivery.disableAfter", "CALLHUB_DELIVERY_DISABLE_AFTER", func(c *Config) any { return c.Delivery.DisableAfter }},
	{"limits.maxBodyBytes", "CALLHUB_LIMITS_MAX_BODY_BYTES", func(c *Config) any { return c.Limits.MaxBodyBytes }},
	{"limits.maxFileBytes", "CALLHUB_LIMITS_MAX_FILE_BYTES", func(c *Config) any { return c.Limits.MaxFileBytes }},
	{"limits.wsSendBuffer", "CALLHUB_LIMITS_WS_SEND_BUFFER", func(c *Config) any { return c.Limits.WSSendBuffer }},
	{"limits.readTimeout", "CALLHUB_LIMITS_READ_TIMEOUT", func(c *Config) any { return c.Limits.ReadTimeout }},
	{"limits.writeTimeout", "CALLHUB_LIMITS_WRITE_TIMEOUT", func(c *Config) any { return c.Limits.WriteTimeout }},
	{"limits.idleTimeout", "CALLHUB_LIMITS_IDLE_TIMEOUT", func(c *Config) any { return c.Limits.IdleTimeout }},
}

// explicitZeros names each defaulted setting that the file (doc holds
// its key) or the environment sets to zero, or to an empty list, unless
// its key or variable is among those already reported (a value that did
// not parse is left zero). It runs before setDefaults, which would fill
// them in.
func (c *Config) explicitZeros(doc *yaml.Node, getenv func(string) string, done map[string]bool) []error {
	def := &Config{fromFile: true, Services: []ServiceConfig{{}}}
	def.setDefaults()
	var p problems
	for _, s := range defaultedSettings {
		if !isZero(s.field(c)) || done[s.key] || done[s.env] {
			continue
		}
		why := zeroWhy(s.field(def))
		if v := getenv(s.env); v != "" {
			p = append(p, fmt.Errorf("%s: %s %s, got %q", s.env, s.key, why, v))
		} else if keyLine(doc, s.key) > 0 {
			p.add(s.key, "%s", why)
		}
	}
	for i, svc := range c.Services {
		if key := fmt.Sprintf("services[%d].timeout", i); svc.Timeout == 0 && !done[key] && keyLine(doc, key) > 0 {
			p.add(key, "%s", zeroWhy(def.Services[0].Timeout))
		}
	}
	return p
}

// isZero reports whether v is its type's zero, or an empty list.
func isZero(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.IsZero() || rv.Kind() == reflect.Slice && rv.Len() == 0
}

// zeroWhy says why a zero is refused, and what leaving the key out gives.
func zeroWhy(def any) string {
	if d, ok := def.([]Duration); ok {
		return "must list at least one duration; leave it out for the default, " + durationsText(d)
	}
	if _, ok := def.(int); ok {
		return fmt.Sprintf("must be ≥ 1; leave it out for the default, %v", def)
	}
	return fmt.Sprintf("must be above 0; leave it out for the default, %v", shortDuration(def))
}

// durationsText writes durations for people, comma-separated.
func durationsText(ds []Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = fmt.Sprint(shortDuration(d))
	}
	return strings.Join(parts, ", ")
}

// shortDuration is v, a Duration written "24h" rather than "24h0m0s";
// any other value as it is.
func shortDuration(v any) any {
	d, ok := v.(Duration)
	if !ok {
		return v
	}
	if d >= 2*Duration(day) && d%Duration(day) == 0 {
		return fmt.Sprintf("%dd", d/Duration(day))
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// reported lists what errs already name: the key of each *keyError, the
// variable of each "CALLHUB_X: …" error.
func reported(errs ...error) map[string]bool {
	done := map[string]bool{}
	for _, err := range errs {
		if err == nil {
			continue
		}
		for _, e := range flatten(err) {
			var ke *keyError
			if errors.As(e, &ke) {
				done[ke.Key] = true
			} else if name, _, ok := strings.Cut(e.Error(), ":"); ok && strings.HasPrefix(name, "CALLHUB_") {
				done[name] = true
			}
		}
	}
	return done
}
