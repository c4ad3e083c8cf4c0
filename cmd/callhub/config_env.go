package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// envSetting is one CALLHUB_* variable and how its value sets the config.
type envSetting struct {
	name string
	set  func(c *Config, v string) error
}

// envSettings lists the variable of every scalar setting. Lists (redis
// addrs, delivery schedule) are comma-separated.
var envSettings = []envSetting{
	{"CALLHUB_LISTEN", setString(func(c *Config) *string { return &c.Listen })},
	{"CALLHUB_PUBLIC_URL", setString(func(c *Config) *string { return &c.PublicURL })},
	{"CALLHUB_STORE", setString(func(c *Config) *string { return &c.Store })},
	{"CALLHUB_REDIS_URL", setString(func(c *Config) *string { return &c.Redis.URL })},
	{"CALLHUB_REDIS_ADDRS", setList(func(c *Config) *[]string { return &c.Redis.Addrs })},
	{"CALLHUB_REDIS_MASTER_NAME", setString(func(c *Config) *string { return &c.Redis.MasterName })},
	{"CALLHUB_REDIS_PASSWORD", setString(func(c *Config) *string { return &c.Redis.Password })},
	{"CALLHUB_REDIS_KEY_PREFIX", setString(func(c *Config) *string { return &c.Redis.KeyPrefix })},
	{"CALLHUB_REDIS_WAIT_REPLICAS", setInt(func(c *Config) *int { return &c.Redis.WaitReplicas })},
	{"CALLHUB_REDIS_WAIT_TIMEOUT", setDuration(func(c *Config) *Duration { return &c.Redis.WaitTimeout })},
	{"CALLHUB_REDIS_TIMEOUT", setDuration(func(c *Config) *Duration { return &c.Redis.Timeout })},
	{"CALLHUB_REDIS_POOL_SIZE", setInt(func(c *Config) *int { return &c.Redis.PoolSize })},
	{"CALLHUB_RETENTION", setDuration(func(c *Config) *Duration { return &c.Retention })},
	{"CALLHUB_SECRET", setString(func(c *Config) *string { return &c.Secret })},
	{"CALLHUB_ADMIN_API_KEY", setString(func(c *Config) *string { return &c.Admin.APIKey })},
	{"CALLHUB_DEMO", setBool(func(c *Config) *bool { return &c.Demo })},
	{"CALLHUB_UI", setString(func(c *Config) *string { return &c.UI })},
	{"CALLHUB_DELIVERY_MAX_ATTEMPTS", setInt(func(c *Config) *int { return &c.Delivery.MaxAttempts })},
	{"CALLHUB_DELIVERY_TIMEOUT", setDuration(func(c *Config) *Duration { return &c.Delivery.Timeout })},
	{"CALLHUB_DELIVERY_SCHEDULE", setSchedule},
	{"CALLHUB_DELIVERY_RATE_PER_ENDPOINT", setFloat(func(c *Config) *float64 { return &c.Delivery.RatePerEndpoint })},
	{"CALLHUB_DELIVERY_DISABLE_AFTER", setDuration(func(c *Config) *Duration { return &c.Delivery.DisableAfter })},
	{"CALLHUB_LIMITS_MAX_BODY_BYTES", setSize(func(c *Config) *Size { return &c.Limits.MaxBodyBytes })},
	{"CALLHUB_LIMITS_MAX_FILE_BYTES", setSize(func(c *Config) *Size { return &c.Limits.MaxFileBytes })},
	{"CALLHUB_LIMITS_WS_SEND_BUFFER", setInt(func(c *Config) *int { return &c.Limits.WSSendBuffer })},
	{"CALLHUB_LIMITS_RATE_PER_CALLER", setFloat(func(c *Config) *float64 { return &c.Limits.RatePerCaller })},
	{"CALLHUB_LIMITS_READ_TIMEOUT", setDuration(func(c *Config) *Duration { return &c.Limits.ReadTimeout })},
	{"CALLHUB_LIMITS_WRITE_TIMEOUT", setDuration(func(c *Config) *Duration { return &c.Limits.WriteTimeout })},
	{"CALLHUB_LIMITS_IDLE_TIMEOUT", setDuration(func(c *Config) *Duration { return &c.Limits.IdleTimeout })},
	{"CALLHUB_LIMITS_MAX_CONNS_PER_CLIENT", setInt(func(c *Config) *int { return &c.Limits.MaxConnsPerClient })},
	{"CALLHUB_FILES_DIR", setString(func(c *Config) *string { return &c.Files.Dir })},
	{"CALLHUB_COMPAT_FILE_ROOTS", setList(func(c *Config) *[]string { return &c.Compat.FileRoots })},
	{"CALLHUB_COMPAT_DOWNLOAD_DIR", setString(func(c *Config) *string { return &c.Compat.DownloadDir })},
	{"CALLHUB_LOG_FORMAT", setString(func(c *Config) *string { return &c.Log.Format })},
	{"CALLHUB_LOG_LEVEL", setString(func(c *Config) *string { return &c.Log.Level })},
	{"CALLHUB_TRACING_ENDPOINT", setString(func(c *Config) *string { return &c.Tracing.Endpoint })},
}

// applyEnv applies every CALLHUB_* variable that is set (an empty value
// counts as unset), then CALLHUB_CALLERS_<ID>_API_KEY and
// CALLHUB_SERVICES_<ID>_API_KEY to the entries the YAML configured.
// It reports every bad value, each named by its variable.
func applyEnv(c *Config, getenv func(string) string) error {
	var errs []error
	for _, s := range envSettings {
		if v := getenv(s.name); v != "" {
			if err := s.set(c, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", s.name, err))
			}
		}
	}
	for i := range c.Callers {
		overrideKey(&c.Callers[i].APIKey, "CALLHUB_CALLERS_"+envID(c.Callers[i].ID)+"_API_KEY", getenv)
	}
	for i := range c.Services {
		overrideKey(&c.Services[i].APIKey, "CALLHUB_SERVICES_"+envID(c.Services[i].ID)+"_API_KEY", getenv)
	}
	return errors.Join(errs...)
}

// overrideKey sets *key to the variable name's value, if it is set.
func overrideKey(key *string, name string, getenv func(string) string) {
	if v := getenv(name); v != "" {
		*key = v
	}
}

// envID is id as it appears in a variable name: upper case, with every
// character other than a letter or digit turned into "_".
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

// setString is a setter for the string field that field returns.
func setString(field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *field(c) = v; return nil }
}

// setList is a setter for a string list, written comma-separated.
func setList(field func(*Config) *[]string) func(*Config, string) error {
	return func(c *Config, v string) error { *field(c) = splitList(v); return nil }
}

// setBool is a setter for a bool: 1, t, true, 0, f, false, in any case.
func setBool(field func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(strings.ToLower(v))
		if err != nil {
			return fmt.Errorf("invalid boolean %q (use true or false)", v)
		}
		*field(c) = b
		return nil
	}
}

// setInt is a setter for an int field.
func setInt(field func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("invalid integer %q", v)
		}
		*field(c) = n
		return nil
	}
}

// setFloat is a setter for a float64 field.
func setFloat(field func(*Config) *float64) func(*Config, string) error {
	return func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("invalid number %q", v)
		}
		*field(c) = f
		return nil
	}
}

// setDuration is a setter for a Duration field, read by parseDuration.
func setDuration(field func(*Config) *Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := parseDuration(v)
		if err != nil {
			return err
		}
		*field(c) = Duration(d)
		return nil
	}
}

// setSize is a setter for a Size field, read by parseSize.
func setSize(field func(*Config) *Size) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := parseSize(v)
		if err != nil {
			return err
		}
		*field(c) = Size(n)
		return nil
	}
}

// setSchedule sets delivery.schedule from a comma-separated list.
func setSchedule(c *Config, v string) error {
	var schedule []Duration
	for _, s := range splitList(v) {
		d, err := parseDuration(s)
		if err != nil {
			return err
		}
		schedule = append(schedule, Duration(d))
	}
	c.Delivery.Schedule = schedule
	return nil
}

// splitList splits a comma-separated list, dropping blank entries.
func splitList(v string) []string {
	var out []string
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
