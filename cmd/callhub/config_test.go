package main

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// writeConfig writes yaml to a temp file and returns its path.
func writeConfig(t testing.TB, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "callhub.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// env is a fake getenv over m.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// designConfig is DESIGN.md's example, with real values for its "...".
const designConfig = `listen: ":8888"
publicURL: "http://hub.example:8888"   # how services reach the hub to reply
store: redis                            # memory | redis
redis: {url: "redis://127.0.0.1:6379/0", keyPrefix: "callhub:"}
retention: 24h                          # how long records/replies/files live
secret: "${CALLHUB_SECRET}"             # signs reply tokens and ws tokens
admin: {apiKey: "${CALLHUB_ADMIN_KEY}"}
callers:
  - id: shop
    apiKey: "${SHOP_KEY}"
    callbackBase: "http://shop.internal:8080"  # relative callbackUrl resolves here
    allowCallbackHosts: ["hooks.shop.example"]  # absolute callbackUrl must match
    webhookSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    allowAddrs: ["10.1.2.0/24"]                 # optional: keyless old clients from here
services:
  - id: "1"
    baseURL: "http://localhost:9000"
    apiKey: "${SVC1_KEY}"                       # the service may reply with it
    timeout: 30s
    headers: {X-Access-Token: "abc"}            # added to every forwarded request
    allowAddrs: ["10.1.3.0/24"]                 # optional: keyless old services from here
delivery: {maxAttempts: 10, timeout: 10s, schedule: [1s, 5s, 30s, 2m, 10m, 30m, 1h]}
limits: {maxBodyBytes: 1MiB, maxFileBytes: 1GiB, wsSendBuffer: 256, ratePerCaller: 0}
ui: console                                    # console | playground | off
log: {format: text, level: info}               # text | json
tracing: {endpoint: ""}                        # OTLP endpoint; empty = off
`

// designEnv sets every variable designConfig references.
var designEnv = map[string]string{"CALLHUB_SECRET": "s3cret", "CALLHUB_ADMIN_KEY": "adm",
	"SHOP_KEY": "shopk", "SVC1_KEY": "svck"}

// designWant is designConfig loaded, defaults included.
func designWant() *Config {
	return &Config{
		Listen: ":8888", PublicURL: "http://hub.example:8888", Store: "redis",
		Redis:     RedisConfig{URL: "redis://127.0.0.1:6379/0", KeyPrefix: "callhub:", Timeout: Duration(time.Second), WaitTimeout: Duration(time.Second)},
		Retention: Duration(24 * time.Hour), Secret: "s3cret", Admin: AdminConfig{APIKey: "adm"}, UI: "console",
		Callers: []CallerConfig{{ID: "shop", APIKey: "shopk", CallbackBase: "http://shop.internal:8080",
			AllowCallbackHosts: []string{"hooks.shop.example"},
			WebhookSecret:      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", AllowAddrs: []string{"10.1.2.0/24"}}},
		Services: []ServiceConfig{{ID: "1", BaseURL: "http://localhost:9000", APIKey: "svck",
			Timeout: Duration(30 * time.Second), Headers: map[string]string{"X-Access-Token": "abc"},
			AllowAddrs: []string{"10.1.3.0/24"}}},
		Delivery: DeliveryConfig{MaxAttempts: 10, Timeout: Duration(10 * time.Second),
			Schedule: defaultSchedule, DisableAfter: Duration(120 * time.Hour)},
		Limits: LimitsConfig{MaxBodyBytes: 1 << 20, MaxFileBytes: 1 << 30, WSSendBuffer: 256,
			ReadTimeout: Duration(30 * time.Second), WriteTimeout: Duration(10 * time.Second), IdleTimeout: Duration(120 * time.Second)},
		Log:      LogConfig{Format: "text", Level: "info"},
		fromFile: true,
	}
}

// mustLoad loads yaml with getenv and fails the test on an error.
func mustLoad(t *testing.T, yaml string, getenv func(string) string) *Config {
	t.Helper()
	cfg, err := loadConfig(writeConfig(t, yaml), getenv)
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	return cfg
}

// diffConfig fails the test when got is not want, showing both as YAML.
func diffConfig(t *testing.T, got, want *Config) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := yaml.Marshal(got)
		w, _ := yaml.Marshal(want)
		t.Errorf("config =\n%s\nwant\n%s", g, w)
	}
}

func TestLoadConfigDesignExample(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, designConfig, env(designEnv))
	diffConfig(t, cfg, designWant())
	if cfg.isDev() {
		t.Error("isDev() = true with a config file, want false")
	}
}

// TestLoadConfigRoundTrip: a loaded Config, written as YAML, loads the same.
func TestLoadConfigRoundTrip(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, designConfig, env(designEnv))
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	diffConfig(t, mustLoad(t, string(out), env(nil)), cfg)
}

func TestLoadConfigDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		load       func(t *testing.T) (*Config, error)
		wantListen string
		wantDev    bool
		wantUI     string
	}{
		{"no file", func(*testing.T) (*Config, error) { return loadConfig("", env(nil)) }, "127.0.0.1:8888", true, "playground"},
		{"empty file", func(t *testing.T) (*Config, error) { return loadConfig(writeConfig(t, ""), env(nil)) }, ":8888", false, "off"},
		{"comments only", func(t *testing.T) (*Config, error) {
			return loadConfig(writeConfig(t, "# ${NOT_SET} in a comment\n"), env(nil))
		}, ":8888", false, "off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := tt.load(t)
			if err != nil {
				t.Fatal(err)
			}
			want := &Config{Listen: tt.wantListen, Store: "memory", Redis: RedisConfig{KeyPrefix: "callhub:", Timeout: Duration(time.Second), WaitTimeout: Duration(time.Second)},
				Retention: Duration(24 * time.Hour), Delivery: designWant().Delivery, Limits: designWant().Limits,
				UI: tt.wantUI, Log: designWant().Log, fromFile: !tt.wantDev}
			diffConfig(t, cfg, want)
			if got := cfg.isDev(); got != tt.wantDev {
				t.Errorf("isDev() = %v, want %v", got, tt.wantDev)
			}
		})
	}
}

// TestLoadConfigFileErrors: YAML-level errors name the key or variable
// and the line.
func TestLoadConfigFileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, yaml, want string }{
		{"unknown key", "listen: x\nlisen: y\n", `line 2: unknown key "lisen"`},
		{"unknown nested key", "redis: {urll: x}\n", `line 1: unknown key "redis.urll"`},
		{"unknown log key", "log: {formt: json}\n", `line 1: unknown key "log.formt"`},
		{"unknown tracing key", "tracing:\n  endpont: x\n", `line 2: unknown key "tracing.endpont"`},
		{"unknown compat key", "compat: {nope: 1}\n", `line 1: unknown key "compat.nope"`},
		{"unknown service key", "services:\n  - id: a\n    baseUrl: x\n", `line 3: unknown key "services[].baseUrl"`},
		{"unknown caller key", "callers:\n  - id: a\n    apikey: k\n", `line 3: unknown key "callers[].apikey"`},
		{"duplicate key", "store: memory\nstore: redis\n", `"store" already defined`},
		{"unset var", "listen: x\nsecret: \"${NOPE}\"\n", "line 2: ${NOPE} is not set in the environment"},
		{"newline in var", "secret: ${MULTI}\n", "line 1: ${MULTI} holds a newline"},
		{"bad duration", "retention: forever\n", `line 1: retention: invalid duration "forever"`},
		{"bad size", "limits:\n  maxBodyBytes: 1 lot\n", `line 2: limits.maxBodyBytes: invalid size "1 lot"`},
		{"bad int", "delivery: {maxAttempts: lots}\n", "line 1: delivery.maxAttempts: cannot unmarshal !!str `lots` into int"},
		{"syntax", "callers: [\n", "yaml:"},
	}
	getenv := env(map[string]string{"MULTI": "a\nevil: 1"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadConfig(writeConfig(t, tt.yaml), getenv)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("loadConfig = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestLoadConfigEveryFileProblem: several bad values in one file are all
// reported, one per line.
func TestLoadConfigEveryFileProblem(t *testing.T) {
	t.Parallel()
	_, err := loadConfig(writeConfig(t, "retention: x\nlisen: y\nsecret: ${A}\nadmin: {apiKey: ${B}}\n"), env(nil))
	if err == nil {
		t.Fatal("loadConfig = nil, want errors")
	}
	for _, want := range []string{"${A}", "${B}"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("loadConfig = %v, want it to name %s", err, want)
		}
	}
	_, err = loadConfig(writeConfig(t, "retention: x\nlisen: y\nlimits: {maxFileBytes: z}\n"), env(nil))
	for _, want := range []string{"line 1: retention: invalid duration", `line 2: unknown key "lisen"`, "line 3: limits.maxFileBytes: invalid size"} {
		if err == nil || !strings.Contains(err.Error(), "\n"+want) {
			t.Errorf("loadConfig = %v, want a line %q", err, want)
		}
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	t.Parallel()
	_, err := loadConfig(filepath.Join(t.TempDir(), "nope.yaml"), env(nil))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("loadConfig = %v, want os.ErrNotExist", err)
	}
}

func TestExpandEnv(t *testing.T) {
	t.Parallel()
	getenv := env(map[string]string{"A": "1", "B_2": "two"})
	tests := []struct{ in, want string }{
		{"x: ${A}", "x: 1"},
		{"x: \"${A}-${B_2}\"", "x: \"1-two\""},
		{"x: $A", "x: $A"},
		{"x: ${}", "x: ${}"},
		{"  # ${UNSET}\nx: ${A}", "  # ${UNSET}\nx: 1"},
	}
	for _, tt := range tests {
		got, err := expandEnv([]byte(tt.in), getenv)
		if err != nil || string(got) != tt.want {
			t.Errorf("expandEnv(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// TestLoadConfigUI: ui defaults to the playground in dev mode, the console
// with an admin key, else off; a wrong value is named.
func TestLoadConfigUI(t *testing.T) {
	t.Parallel()
	tests := []struct{ yaml, env, want string }{
		{"admin: {apiKey: adm}\n", "", "console"},
		{"admin: {apiKey: adm}\nui: off\n", "", "off"},
		{"callers: [{id: shop, apiKey: k}]\n", "", "off"},
		{"callers: [{id: shop, apiKey: k}]\n", "playground", "playground"},
	}
	for _, tt := range tests {
		cfg := mustLoad(t, tt.yaml, env(map[string]string{"CALLHUB_UI": tt.env}))
		if cfg.UI != tt.want {
			t.Errorf("ui of %q (CALLHUB_UI=%q) = %q, want %q", tt.yaml, tt.env, cfg.UI, tt.want)
		}
	}
	if _, err := loadConfig(writeConfig(t, "ui: fancy\n"), env(nil)); err == nil || !strings.Contains(err.Error(), "ui: must be") {
		t.Errorf("ui: fancy = %v, want an error naming ui", err)
	}
}
