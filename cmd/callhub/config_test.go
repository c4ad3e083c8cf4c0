package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "callhub.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

const fullConfig = `listen: ":9999"
publicURL: "http://hub.example:8888"
store: redis
redis: {url: "redis://127.0.0.1:6379/0", keyPrefix: "callhub:"}
retention: 48h
secret: "${CALLHUB_SECRET}"
admin: {apiKey: "${CALLHUB_ADMIN_KEY}"}
callers:
  - id: shop
    apiKey: "${SHOP_KEY}"
    callbackBase: "http://shop.internal:8080"
    allowCallbackHosts: ["hooks.shop.example"]
    webhookSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    allowAddrs: ["10.1.2.0/24"]
services:
  - id: "1"
    baseURL: "http://localhost:9000"
    apiKey: "${SVC1_KEY}"
    timeout: 30s
    headers: {X-Access-Token: "abc"}
    allowAddrs: ["10.1.3.0/24"]
delivery: {maxAttempts: 10, timeout: 10s, schedule: [1s, 5s, 30s, 2m, 10m, 30m, 1h]}
limits: {maxBodyBytes: 1MiB, maxFileBytes: 1GiB, wsSendBuffer: 256, ratePerCaller: 0}
`

var fullEnv = map[string]string{"CALLHUB_SECRET": "s3cret", "CALLHUB_ADMIN_KEY": "adm", "SHOP_KEY": "shopk", "SVC1_KEY": "svck"}

func TestLoadConfigDesignExample(t *testing.T) {
	cfg, err := loadConfig(writeConfig(t, fullConfig), env(fullEnv))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"listen", cfg.Listen, ":9999"},
		{"secret", cfg.Secret, "s3cret"},
		{"admin.apiKey", cfg.Admin.APIKey, "adm"},
		{"callers[0].apiKey", cfg.Callers[0].APIKey, "shopk"},
		{"services[0].apiKey", cfg.Services[0].APIKey, "svck"},
		{"services[0].timeout", cfg.Services[0].Timeout.D(), 30 * time.Second},
		{"services[0].headers", cfg.Services[0].Headers["X-Access-Token"], "abc"},
		{"retention", cfg.Retention.D(), 48 * time.Hour},
		{"delivery.schedule[3]", cfg.Delivery.Schedule[3].D(), 2 * time.Minute},
		{"limits.maxBodyBytes", int64(cfg.Limits.MaxBodyBytes), int64(1 << 20)},
		{"limits.maxFileBytes", int64(cfg.Limits.MaxFileBytes), int64(1 << 30)},
		{"delivery.disableAfter default", cfg.Delivery.DisableAfter.D(), 120 * time.Hour},
		{"dev", cfg.isDev(), false},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestLoadConfigDefaultsDev(t *testing.T) {
	cfg, err := loadConfig("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:8888" || cfg.Store != "memory" || !cfg.isDev() || cfg.Limits.WSSendBuffer != 256 {
		t.Errorf("defaults = listen %q store %q dev %v buffer %d", cfg.Listen, cfg.Store, cfg.isDev(), cfg.Limits.WSSendBuffer)
	}
}

func TestLoadConfigEnvOverrides(t *testing.T) {
	e := map[string]string{"CALLHUB_LISTEN": "127.0.0.1:7000", "CALLHUB_DELIVERY_SCHEDULE": "2s, 1m",
		"CALLHUB_LIMITS_MAX_BODY_BYTES": "512KiB", "CALLHUB_DELIVERY_DISABLE_AFTER": "2d",
		"CALLHUB_CALLERS_SHOP_API_KEY": "from-env", "CALLHUB_DEMO": "true"}
	for k, v := range fullEnv {
		e[k] = v
	}
	cfg, err := loadConfig(writeConfig(t, fullConfig), env(e))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:7000" || len(cfg.Delivery.Schedule) != 2 || cfg.Delivery.Schedule[1].D() != time.Minute ||
		cfg.Limits.MaxBodyBytes != 512<<10 || cfg.Delivery.DisableAfter.D() != 48*time.Hour ||
		cfg.Callers[0].APIKey != "from-env" || !cfg.Demo {
		t.Errorf("env overrides not applied: %+v", cfg)
	}
	e["CALLHUB_LIMITS_WS_SEND_BUFFER"] = "lots"
	if _, err := loadConfig(writeConfig(t, fullConfig), env(e)); err == nil || !strings.Contains(err.Error(), "CALLHUB_LIMITS_WS_SEND_BUFFER") {
		t.Errorf("bad env value: err = %v, want it named", err)
	}
}

func TestLoadConfigErrorsNameTheKey(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"unknown key", "lisen: x\n", "lisen"},
		{"unset var", "secret: \"${NOPE}\"\n", "${NOPE}"},
		{"store", "store: postgres\n", `store: must be memory or redis, got "postgres"`},
		{"redis url", "store: redis\n", "redis.url: required"},
		{"baseURL", "services: [{id: a, baseURL: \"localhost:9\"}]\n", "services[0].baseURL: must be an absolute http(s) URL"},
		{"dup caller", "callers: [{id: shop}, {id: shop}]\n", `callers[1].id: duplicate "shop"`},
		{"cidr", "callers: [{id: a, allowAddrs: [\"10.0.0.0/8\", \"x\", \"10.0.0.0/33\"]}]\n", `callers[0].allowAddrs[2]: invalid CIDR "10.0.0.0/33"`},
		{"attempts", "delivery: {maxAttempts: -1}\n", "delivery.maxAttempts: must be ≥ 1"},
		{"buffer", "limits: {wsSendBuffer: -2}\n", "limits.wsSendBuffer: must be ≥ 1"},
		{"publicURL", "publicURL: hub:8888\n", "publicURL: must be an absolute http(s) URL"},
		{"whsec", "callers: [{id: a, webhookSecret: \"abc\"}]\n", "callers[0].webhookSecret"},
		{"shared key", "admin: {apiKey: k}\ncallers: [{id: a, apiKey: k}]\n", "callers[0].apiKey: same key as admin.apiKey"},
		{"size", "limits: {maxBodyBytes: 1 lot}\n", `invalid size`},
		{"duration", "retention: forever\n", `invalid duration "forever"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig(writeConfig(t, tt.yaml), env(nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestLoadConfigAllProblemsAtOnce: every wrong key is reported together.
func TestLoadConfigAllProblemsAtOnce(t *testing.T) {
	_, err := loadConfig(writeConfig(t, "store: x\ndelivery: {maxAttempts: -1}\nlimits: {wsSendBuffer: -1}\n"), env(nil))
	for _, want := range []string{"store:", "delivery.maxAttempts", "limits.wsSendBuffer"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to name %s", err, want)
		}
	}
}

func TestParseSizeAndDuration(t *testing.T) {
	sizes := map[string]int64{"1048576": 1 << 20, "1MiB": 1 << 20, "512KiB": 512 << 10, "1GiB": 1 << 30, "10MB": 10e6, "1KB": 1000}
	for in, want := range sizes {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	durs := map[string]time.Duration{"30s": 30 * time.Second, "2m": 2 * time.Minute, "24h": 24 * time.Hour, "5d": 120 * time.Hour, "500ms": 500 * time.Millisecond}
	for in, want := range durs {
		if got, err := parseDuration(in); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
}
