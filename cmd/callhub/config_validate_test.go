package main

import (
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
)

// TestValidate: each wrong key is named, with why.
func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, yaml, want string }{
		{"store", "store: postgres\n", `store: must be memory or redis, got "postgres"`},
		{"redis url", "store: redis\nsecret: s\n", "redis.url: required when store is redis (or redis.addrs)"},
		{"redis scheme", "store: redis\nsecret: s\nredis: {url: \"http://r\"}\n", "redis.url: must be a redis://"},
		{"redis addr", "store: redis\nsecret: s\nredis: {addrs: [\"r:1\", r]}\n", `redis.addrs[1]: must be host:port, got "r"`},
		{"redis waitReplicas", "store: redis\nsecret: s\nredis: {url: \"redis://r\", waitReplicas: -1}\n", "redis.waitReplicas: must be ≥ 0, got -1"},
		{"redis waitTimeout", "store: redis\nsecret: s\nredis: {url: \"redis://r\", waitTimeout: 2m}\n", "redis.waitTimeout: must be at most 1m0s, got 2m0s"},
		{"redis timeout", "store: redis\nsecret: s\nredis: {url: \"redis://r\", timeout: 2m}\n", "redis.timeout: must be between 10ms and 1m0s, got 2m0s"},
		{"redis poolSize", "store: redis\nsecret: s\nredis: {url: \"redis://r\", poolSize: -1}\n", "redis.poolSize: must be between 0 (the Redis client's default) and 10000, got -1"},
		{"redis secret", "store: redis\nredis: {url: \"redis://r\"}\n", "secret: required when store is redis"},
		{"listen", "listen: \"8888\"\n", `listen: must be host:port or :port, got "8888"`},
		{"publicURL", "publicURL: hub:8888\n", "publicURL: must be an absolute http(s) URL"},
		{"publicURL scheme", "publicURL: \"ftp://hub\"\n", "publicURL: must be an absolute http(s) URL"},
		{"baseURL", "services: [{id: a}, {id: b, baseURL: \"localhost:9\"}]\n",
			"services[1].baseURL: must be an absolute http(s) URL"},
		{"caller id", "callers: [{apiKey: k}]\n", "callers[0].id: required"},
		{"service id", "services: [{baseURL: \"http://s\"}]\n", "services[0].id: required"},
		{"dup caller", "callers: [{id: shop, apiKey: a}, {id: shop, apiKey: b}]\n",
			`callers[1].id: duplicate "shop" (also callers[0])`},
		{"dup service", "services: [{id: \"1\", baseURL: \"http://a\"}, {id: \"1\", baseURL: \"http://b\"}]\n",
			`services[1].id: duplicate "1" (also services[0])`},
		{"cidr", "callers: [{id: a, allowAddrs: [\"10.0.0.0/8\", \"::1/128\", \"10.0.0.0/33\"]}]\n",
			`callers[0].allowAddrs[2]: invalid CIDR "10.0.0.0/33"`},
		{"service cidr", "services: [{id: a, baseURL: \"http://a\", allowAddrs: [x]}]\n",
			`services[0].allowAddrs[0]: invalid CIDR "x"`},
		{"breaker failures", "services: [{id: a, baseURL: \"http://a\", breaker: {failures: 0, cooldown: 30s}}]\n",
			"services[0].breaker.failures: must be ≥ 1, got 0"},
		{"breaker negative", "services: [{id: a, baseURL: \"http://a\", breaker: {failures: -2, cooldown: 30s}}]\n",
			"services[0].breaker.failures: must be ≥ 1, got -2"},
		{"breaker cooldown", "services: [{id: a, baseURL: \"http://a\", breaker: {failures: 5}}]\n",
			"services[0].breaker.cooldown: must be above 0"},
		{"breaker empty", "services: [{id: a, baseURL: \"http://a\", breaker: {}}]\n", "services[0].breaker.failures: must be ≥ 1"},
		{"breaker unknown key", "services: [{id: a, baseURL: \"http://a\", breaker: {failures: 1, cooldown: 1s, after: 2}}]\n", "after"},
		{"keyless caller", "callers: [{id: a}]\n", "callers[0]: needs an apiKey or allowAddrs"},
		{"callbackBase", "callers: [{id: a, apiKey: k, callbackBase: shop}]\n", "callers[0].callbackBase: must be an absolute http(s) URL"},
		{"callback host", "callers: [{id: a, apiKey: k, allowCallbackHosts: [\"http://h/\"]}]\n",
			`callers[0].allowCallbackHosts[0]: must be a host name, got "http://h/"`},
		{"whsec prefix", "callers: [{id: a, apiKey: k, webhookSecret: \"c2VjcmV0\"}]\n",
			`callers[0].webhookSecret: must be "whsec_" followed by base64`},
		{"whsec base64", "callers: [{id: a, apiKey: k, webhookSecret: \"whsec_not base64!\"}]\n",
			`callers[0].webhookSecret: must be "whsec_" followed by base64`},
		{"whsec empty", "callers: [{id: a, apiKey: k, webhookSecret: \"whsec_\"}]\n", "callers[0].webhookSecret"},
		{"admin and caller key", "admin: {apiKey: k}\ncallers: [{id: a, apiKey: k}]\n",
			"callers[0].apiKey: same key as admin.apiKey: a key may stand for one principal only"},
		{"caller and service key", "callers: [{id: a, apiKey: k}]\nservices: [{id: s, baseURL: \"http://s\", apiKey: k}]\n",
			"services[0].apiKey: same key as callers[0].apiKey"},
		{"two callers key", "callers: [{id: a, apiKey: k}, {id: b, apiKey: k}]\n", "callers[1].apiKey: same key as callers[0].apiKey"},
		{"maxAttempts", "delivery: {maxAttempts: -1}\n", "delivery.maxAttempts: must be ≥ 1"},
		{"schedule", "delivery: {schedule: [1s, 0s]}\n", "delivery.schedule[1]: must be > 0"},
		{"ratePerEndpoint", "delivery: {ratePerEndpoint: -1}\n", "delivery.ratePerEndpoint: must be ≥ 0"},
		{"wsSendBuffer", "limits: {wsSendBuffer: -2}\n", "limits.wsSendBuffer: must be ≥ 1"},
		{"ratePerCaller", "limits: {ratePerCaller: -0.5}\n", "limits.ratePerCaller: must be ≥ 0"},
		{"maxConnsPerClient", "limits: {maxConnsPerClient: -1}\n", "limits.maxConnsPerClient: must be ≥ 0"},
		{"log format", "log: {format: xml}\n", `log.format: must be text or json, got "xml"`},
		{"tracing endpoint", "tracing: {endpoint: \"otel:4318\"}\n", `tracing.endpoint: must be an absolute http(s) URL, got "otel:4318"`},
		{"log level", "log: {level: verbose}\n", `log.level: must be debug, info, warn or error, got "verbose"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadConfig(writeConfig(t, tt.yaml), env(nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("loadConfig(%q) = %v, want an error containing %q", tt.yaml, err, tt.want)
			}
		})
	}
}

// TestValidateEveryProblem: every wrong key is reported at once, one per
// line, under a count, each with the line of its key.
func TestValidateEveryProblem(t *testing.T) {
	t.Parallel()
	yaml := "store: x\ndelivery: {maxAttempts: -1}\nlimits: {wsSendBuffer: -1}\n" +
		"callers: [{id: a, apiKey: k}, {id: a, apiKey: k}]\n"
	_, err := loadConfig(writeConfig(t, yaml), env(nil))
	if err == nil {
		t.Fatal("loadConfig = nil, want errors")
	}
	wants := []string{": 5 problems:", "\nline 1: store: ", "\nline 2: delivery.maxAttempts: ",
		"\nline 3: limits.wsSendBuffer: ", "\nline 4: callers[1].id: ", "\nline 4: callers[1].apiKey: "}
	for _, want := range wants {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("loadConfig = %v, want it to contain %q", err, want)
		}
	}
}

// TestValidateAccepts: valid configs, including the edge cases of each
// rule, pass.
func TestValidateAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, yaml string }{
		{"redis addrs", "store: redis\nsecret: s\nredis: {addrs: [\"a:1\", \"[::1]:2\"], masterName: m}\n"},
		{"redis unix", "store: redis\nsecret: s\nredis: {url: \"unix:///tmp/redis.sock\"}\n"},
		{"keyless caller by address", "callers: [{id: a, allowAddrs: [\"10.0.0.0/8\"]}]\n"},
		{"service without key", "services: [{id: a, baseURL: \"https://s.example/api\"}]\n"},
		{"same id across lists", "callers: [{id: x, apiKey: a}]\nservices: [{id: x, baseURL: \"http://s\"}]\n"},
		{"webhook secret", "callers: [{id: a, apiKey: k, webhookSecret: \"whsec_c2VjcmV0\"}]\n"},
		{"zero rates", "delivery: {ratePerEndpoint: 0}\nlimits: {ratePerCaller: 0}\n"},
		{"breaker", "services: [{id: a, baseURL: \"http://a\", breaker: {failures: 5, cooldown: 30s}}]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := loadConfig(writeConfig(t, tt.yaml), env(nil)); err != nil {
				t.Errorf("loadConfig(%q) = %v, want nil", tt.yaml, err)
			}
		})
	}
}

// TestBreakerConfig: services[].breaker reaches the hub's service as it
// is written; a service without one has none. Both problems of a bad
// breaker are named at once, with their line.
func TestBreakerConfig(t *testing.T) {
	t.Parallel()
	yaml := "services:\n  - {id: a, baseURL: \"http://a\", breaker: {failures: 3, cooldown: 45s}}\n  - {id: b, baseURL: \"http://b\"}\n"
	cfg, err := loadConfig(writeConfig(t, yaml), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	svcs := hubServices(cfg)
	if got, want := svcs[0].Breaker, (hub.Breaker{Failures: 3, Cooldown: 45 * time.Second}); got != want {
		t.Errorf("a's breaker = %+v, want %+v", got, want)
	}
	if got := svcs[1].Breaker; got != (hub.Breaker{}) {
		t.Errorf("b's breaker = %+v, want none", got)
	}
	_, err = loadConfig(writeConfig(t, "services:\n  - id: a\n    baseURL: \"http://a\"\n    breaker: {failures: 0, cooldown: 0s}\n"), env(nil))
	for _, want := range []string{"2 problems", "line 4: services[0].breaker.failures: must be ≥ 1", "line 4: services[0].breaker.cooldown: must be above 0"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad breaker = %v, want %q", err, want)
		}
	}
}
