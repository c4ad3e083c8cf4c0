package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestLoadConfigEnvOverrides sets each CALLHUB_* variable on top of the
// DESIGN.md example and checks the field it names.
func TestLoadConfigEnvOverrides(t *testing.T) {
	t.Parallel()
	tmp := filepath.Clean(os.TempDir()) // compat's directories must exist
	tests := []struct {
		name, value string
		get         func(*Config) any
		want        any
	}{
		{"CALLHUB_LISTEN", "127.0.0.1:7000", func(c *Config) any { return c.Listen }, "127.0.0.1:7000"},
		{"CALLHUB_PUBLIC_URL", "https://hub.test", func(c *Config) any { return c.PublicURL }, "https://hub.test"},
		{"CALLHUB_STORE", "memory", func(c *Config) any { return c.Store }, "memory"},
		{"CALLHUB_REDIS_URL", "rediss://r:6380/1", func(c *Config) any { return c.Redis.URL }, "rediss://r:6380/1"},
		{"CALLHUB_REDIS_ADDRS", "a:1, b:2,", func(c *Config) any { return c.Redis.Addrs }, []string{"a:1", "b:2"}},
		{"CALLHUB_REDIS_MASTER_NAME", "mymaster", func(c *Config) any { return c.Redis.MasterName }, "mymaster"},
		{"CALLHUB_REDIS_PASSWORD", "pw", func(c *Config) any { return c.Redis.Password }, "pw"},
		{"CALLHUB_REDIS_KEY_PREFIX", "ch2:", func(c *Config) any { return c.Redis.KeyPrefix }, "ch2:"},
		{"CALLHUB_REDIS_WAIT_REPLICAS", "1", func(c *Config) any { return c.Redis.WaitReplicas }, 1},
		{"CALLHUB_REDIS_WAIT_TIMEOUT", "250ms", func(c *Config) any { return c.Redis.WaitTimeout }, Duration(250 * time.Millisecond)},
		{"CALLHUB_REDIS_TIMEOUT", "2s", func(c *Config) any { return c.Redis.Timeout }, Duration(2 * time.Second)},
		{"CALLHUB_REDIS_POOL_SIZE", "20", func(c *Config) any { return c.Redis.PoolSize }, 20},
		{"CALLHUB_RETENTION", "7d", func(c *Config) any { return c.Retention.D() }, 168 * time.Hour},
		{"CALLHUB_SECRET", "other", func(c *Config) any { return c.Secret }, "other"},
		{"CALLHUB_ADMIN_API_KEY", "adm2", func(c *Config) any { return c.Admin.APIKey }, "adm2"},
		{"CALLHUB_DEMO", "tRuE", func(c *Config) any { return c.Demo }, true},
		{"CALLHUB_UI", "off", func(c *Config) any { return c.UI }, "off"},
		{"CALLHUB_DELIVERY_MAX_ATTEMPTS", "3", func(c *Config) any { return c.Delivery.MaxAttempts }, 3},
		{"CALLHUB_DELIVERY_TIMEOUT", "2s", func(c *Config) any { return c.Delivery.Timeout.D() }, 2 * time.Second},
		{"CALLHUB_DELIVERY_SCHEDULE", "2s, 1m", func(c *Config) any { return c.Delivery.Schedule },
			[]Duration{Duration(2 * time.Second), Duration(time.Minute)}},
		{"CALLHUB_DELIVERY_RATE_PER_ENDPOINT", "2.5", func(c *Config) any { return c.Delivery.RatePerEndpoint }, 2.5},
		{"CALLHUB_DELIVERY_DISABLE_AFTER", "2d", func(c *Config) any { return c.Delivery.DisableAfter.D() }, 48 * time.Hour},
		{"CALLHUB_LIMITS_MAX_BODY_BYTES", "512KiB", func(c *Config) any { return c.Limits.MaxBodyBytes }, Size(512 << 10)},
		{"CALLHUB_LIMITS_MAX_FILE_BYTES", "10MB", func(c *Config) any { return c.Limits.MaxFileBytes }, Size(10e6)},
		{"CALLHUB_LIMITS_WS_SEND_BUFFER", "16", func(c *Config) any { return c.Limits.WSSendBuffer }, 16},
		{"CALLHUB_LIMITS_RATE_PER_CALLER", "50", func(c *Config) any { return c.Limits.RatePerCaller }, 50.0},
		{"CALLHUB_LIMITS_READ_TIMEOUT", "5s", func(c *Config) any { return c.Limits.ReadTimeout.D() }, 5 * time.Second},
		{"CALLHUB_LIMITS_WRITE_TIMEOUT", "3s", func(c *Config) any { return c.Limits.WriteTimeout.D() }, 3 * time.Second},
		{"CALLHUB_LIMITS_IDLE_TIMEOUT", "1m", func(c *Config) any { return c.Limits.IdleTimeout.D() }, time.Minute},
		{"CALLHUB_LIMITS_MAX_CONNS_PER_CLIENT", "64", func(c *Config) any { return c.Limits.MaxConnsPerClient }, 64},
		{"CALLHUB_FILES_DIR", "/var/files", func(c *Config) any { return c.Files.Dir }, "/var/files"},
		{"CALLHUB_COMPAT_FILE_ROOTS", tmp + ", " + tmp, func(c *Config) any { return c.Compat.FileRoots }, []string{tmp, tmp}},
		{"CALLHUB_COMPAT_DOWNLOAD_DIR", tmp, func(c *Config) any { return c.Compat.DownloadDir }, tmp},
		{"CALLHUB_LOG_FORMAT", "json", func(c *Config) any { return c.Log.Format }, "json"},
		{"CALLHUB_LOG_LEVEL", "debug", func(c *Config) any { return c.Log.Level }, "debug"},
		{"CALLHUB_TRACING_ENDPOINT", "http://otel:4318", func(c *Config) any { return c.Tracing.Endpoint }, "http://otel:4318"},
		{"CALLHUB_CALLERS_SHOP_API_KEY", "shop-env", func(c *Config) any { return c.Callers[0].APIKey }, "shop-env"},
		{"CALLHUB_SERVICES_1_API_KEY", "svc-env", func(c *Config) any { return c.Services[0].APIKey }, "svc-env"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := map[string]string{}
			for k, v := range designEnv {
				e[k] = v
			}
			e[tt.name] = tt.value
			cfg := mustLoad(t, designConfig, env(e))
			if got := tt.get(cfg); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s=%q: got %#v, want %#v", tt.name, tt.value, got, tt.want)
			}
		})
	}
}

// TestEnvSettingsCovered: the override table has every variable the test
// above sets, so a new setting cannot go untested.
func TestEnvSettingsCovered(t *testing.T) {
	t.Parallel()
	if got, want := len(envSettings), 36; got != want {
		t.Errorf("len(envSettings) = %d, want %d (add the new one to TestLoadConfigEnvOverrides)", got, want)
	}
}

// TestLoadConfigEnvErrors: bad values are reported with their variable,
// all together and with the validation problems.
func TestLoadConfigEnvErrors(t *testing.T) {
	t.Parallel()
	e := map[string]string{
		"CALLHUB_LIMITS_WS_SEND_BUFFER":  "lots",
		"CALLHUB_DEMO":                   "maybe",
		"CALLHUB_DELIVERY_SCHEDULE":      "1s,soon",
		"CALLHUB_LIMITS_RATE_PER_CALLER": "fast",
		"CALLHUB_RETENTION":              "-1h",
		"CALLHUB_LIMITS_MAX_BODY_BYTES":  "big",
		"CALLHUB_STORE":                  "postgres",
	}
	_, err := loadConfig("", env(e))
	wants := []string{
		`CALLHUB_LIMITS_WS_SEND_BUFFER: invalid integer "lots"`,
		`CALLHUB_DEMO: invalid boolean "maybe"`,
		`CALLHUB_DELIVERY_SCHEDULE: invalid duration "soon"`,
		`CALLHUB_LIMITS_RATE_PER_CALLER: invalid number "fast"`,
		`CALLHUB_RETENTION: invalid duration "-1h"`,
		`CALLHUB_LIMITS_MAX_BODY_BYTES: invalid size "big"`,
		`store: must be memory or redis, got "postgres"`,
	}
	for _, want := range wants {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("loadConfig = %v, want it to contain %q", err, want)
		}
	}
}

func TestEnvID(t *testing.T) {
	t.Parallel()
	tests := []struct{ id, want string }{
		{"shop", "SHOP"}, {"1", "1"}, {"my-shop.eu", "MY_SHOP_EU"}, {"Ab_9", "AB_9"}, {"café", "CAF_"},
	}
	for _, tt := range tests {
		if got := envID(tt.id); got != tt.want {
			t.Errorf("envID(%q) = %q, want %q", tt.id, got, tt.want)
		}
	}
}

// TestLoadConfigEnvKeyOnlyExisting: a per-principal key variable never
// creates an entry.
func TestLoadConfigEnvKeyOnlyExisting(t *testing.T) {
	t.Parallel()
	cfg, err := loadConfig("", env(map[string]string{"CALLHUB_CALLERS_GHOST_API_KEY": "k"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Callers) != 0 || !cfg.isDev() {
		t.Errorf("callers = %v, isDev = %v; want none, true", cfg.Callers, cfg.isDev())
	}
}
