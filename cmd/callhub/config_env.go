package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// envSetting is one CALLHUB_* variable and how it sets the config.
type envSetting struct {
	name string
	set  func(c *Config, v string) error
}

func str(f func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *f(c) = v; return nil }
}

func dur(f func(*Config) *Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := parseDuration(v)
		*f(c) = Duration(d)
		return err
	}
}

func integer(f func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		*f(c) = n
		return err
	}
}

func float(f func(*Config) *float64) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.ParseFloat(v, 64)
		*f(c) = n
		return err
	}
}

func size(f func(*Config) *Size) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := parseSize(v)
		*f(c) = Size(n)
		return err
	}
}

func list(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// envSettings lists every scalar setting's environment variable.
var envSettings = []envSetting{
	{"CALLHUB_LISTEN", str(func(c *Config) *string { return &c.Listen })},
	{"CALLHUB_PUBLIC_URL", str(func(c *Config) *string { return &c.PublicURL })},
	{"CALLHUB_STORE", str(func(c *Config) *string { return &c.Store })},
	{"CALLHUB_REDIS_URL", str(func(c *Config) *string { return &c.Redis.URL })},
	{"CALLHUB_REDIS_ADDRS", func(c *Config, v string) error { c.Redis.Addrs = list(v); return nil }},
	{"CALLHUB_REDIS_MASTER_NAME", str(func(c *Config) *string { return &c.Redis.MasterName })},
	{"CALLHUB_REDIS_PASSWORD", str(func(c *Config) *string { return &c.Redis.Password })},
	{"CALLHUB_REDIS_KEY_PREFIX", str(func(c *Config) *string { return &c.Redis.KeyPrefix })},
	{"CALLHUB_RETENTION", dur(func(c *Config) *Duration { return &c.Retention })},
	{"CALLHUB_SECRET", str(func(c *Config) *string { return &c.Secret })},
	{"CALLHUB_ADMIN_API_KEY", str(func(c *Config) *string { return &c.Admin.APIKey })},
	{"CALLHUB_DEMO", func(c *Config, v string) (err error) { c.Demo, err = strconv.ParseBool(v); return err }},
	{"CALLHUB_DELIVERY_MAX_ATTEMPTS", integer(func(c *Config) *int { return &c.Delivery.MaxAttempts })},
	{"CALLHUB_DELIVERY_TIMEOUT", dur(func(c *Config) *Duration { return &c.Delivery.Timeout })},
	{"CALLHUB_DELIVERY_SCHEDULE", setSchedule},
	{"CALLHUB_DELIVERY_RATE_PER_ENDPOINT", float(func(c *Config) *float64 { return &c.Delivery.RatePerEndpoint })},
	{"CALLHUB_DELIVERY_DISABLE_AFTER", dur(func(c *Config) *Duration { return &c.Delivery.DisableAfter })},
	{"CALLHUB_LIMITS_MAX_BODY_BYTES", size(func(c *Config) *Size { return &c.Limits.MaxBodyBytes })},
	{"CALLHUB_LIMITS_MAX_FILE_BYTES", size(func(c *Config) *Size { return &c.Limits.MaxFileBytes })},
	{"CALLHUB_LIMITS_WS_SEND_BUFFER", integer(func(c *Config) *int { return &c.Limits.WSSendBuffer })},
	{"CALLHUB_LIMITS_RATE_PER_CALLER", float(func(c *Config) *float64 { return &c.Limits.RatePerCaller })},
	{"CALLHUB_FILES_DIR", str(func(c *Config) *string { return &c.Files.Dir })},
}

func setSchedule(c *Config, v string) error {
	c.Delivery.Schedule = nil
	for _, s := range list(v) {
		d, err := parseDuration(s)
		if err != nil {
			return err
		}
		c.Delivery.Schedule = append(c.Delivery.Schedule, Duration(d))
	}
	return nil
}

// applyEnv applies every CALLHUB_* variable that is set, and the per
// principal keys CALLHUB_CALLERS_<ID>_API_KEY and
// CALLHUB_SERVICES_<ID>_API_KEY.
func applyEnv(c *Config, getenv func(string) string) error {
	var errs []error
	for _, s := range envSettings {
		if v := getenv(s.name); v != "" {
			if err := s.set(c, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %v", s.name, err))
			}
		}
	}
	for i := range c.Callers {
		if v := getenv("CALLHUB_CALLERS_" + envID(c.Callers[i].ID) + "_API_KEY"); v != "" {
			c.Callers[i].APIKey = v
		}
	}
	for i := range c.Services {
		if v := getenv("CALLHUB_SERVICES_" + envID(c.Services[i].ID) + "_API_KEY"); v != "" {
			c.Services[i].APIKey = v
		}
	}
	return errors.Join(errs...)
}

// envID upper-cases an id and replaces what an env name cannot hold.
func envID(id string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, id)
}
