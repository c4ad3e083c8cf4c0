package main

import (
	"strings"
	"testing"
)

// TestCLICheckConfig: a valid file exits 0; a bad one exits 1 with every
// problem in one pass, as text on stderr or as a JSON document.
func TestCLICheckConfig(t *testing.T) {
	t.Parallel()
	good := writeConfig(t, "callers: [{id: shop, apiKey: \"${SHOP_KEY}\"}]\n")
	out := runCLI(t, []string{"SHOP_KEY=k"}, "check-config", good).want(t, 0, "check-config good").stdout
	if !strings.Contains(out, ": ok (store memory") {
		t.Errorf("check-config good = %q", out)
	}
	bad := writeConfig(t, "store: redis\nlisen: x\ncallers: [{id: shop}]\nlimits: {maxBodyBytes: lots}\n")
	res := runCLI(t, nil, "check-config", bad).want(t, 1, "check-config bad")
	for _, want := range []string{"5 problems:", `line 2: unknown key "lisen"`, `line 4: limits.maxBodyBytes: invalid size "lots"`,
		"redis.url: required", "secret: required", "line 3: callers[0]: needs an apiKey"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("check-config bad: stderr lacks %q:\n%s", want, res.stderr)
		}
	}
	doc := runCLI(t, nil, "check-config", "--json", bad).want(t, 1, "check-config --json bad").jsonLines(t)
	if probs, _ := doc[0]["problems"].([]any); len(doc) != 1 || doc[0]["ok"] != false || len(probs) != 5 {
		t.Errorf("check-config --json bad = %v, want one document with ok false and 5 problems", doc)
	}
	res = runCLI(t, nil, "check-config", writeConfig(t, "callers: [\n")).want(t, 1, "check-config syntax error")
	if !strings.Contains(res.stderr, "yaml:") {
		t.Errorf("check-config syntax error: stderr %q", res.stderr)
	}
}

// TestCLICheckConfigNamesKey: a value that does not parse is named by its
// key as well as its line, in block and in flow style.
func TestCLICheckConfigNamesKey(t *testing.T) {
	t.Parallel()
	bad := writeConfig(t, "store: memory\nlisten: \":8888\"\nretention: soon\n"+
		"limits: {maxBodyBytes: lots, wsSendBuffer: abc}\ndelivery:\n  maxAttempts: many\n  schedule: [1s, never]\n")
	res := runCLI(t, nil, "check-config", bad).want(t, 1, "check-config with bad values")
	for _, want := range []string{"5 problems:", `line 3: retention: invalid duration "soon"`,
		`line 4: limits.maxBodyBytes: invalid size "lots"`, "line 4: limits.wsSendBuffer: cannot unmarshal",
		"line 6: delivery.maxAttempts: cannot unmarshal", `line 7: delivery.schedule[1]: invalid duration "never"`} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("check-config: stderr lacks %q:\n%s", want, res.stderr)
		}
	}
}

// TestCLIConfigExplicitZeros: a zero the docs forbid, written in the file
// or the environment, is an error naming its key (and line, or variable),
// for check-config and serve alike, not the default in disguise; a zero
// that means something (no cap, the master alone) is accepted.
func TestCLIConfigExplicitZeros(t *testing.T) {
	t.Parallel()
	zeros := writeConfig(t, "retention: 0s\n"+
		"delivery: {maxAttempts: 0, timeout: 0s, schedule: [], disableAfter: 0d}\n"+
		"limits:\n  maxBodyBytes: 0\n  maxFileBytes: 0KiB\n  wsSendBuffer: 0\n"+
		"  readTimeout: 0s\n  writeTimeout: 0s\n  idleTimeout: 0s\n"+
		"services: [{id: s, baseURL: \"http://127.0.0.1:9\", timeout: 0s}]\n"+
		"store: redis\nsecret: s\nredis: {url: \"redis://127.0.0.1:1\", waitTimeout: 0s, timeout: 0s}\n")
	res := runCLI(t, nil, "check-config", zeros).want(t, 1, "check-config with zeros")
	for _, want := range []string{"14 problems:", "line 1: retention: must be above 0; leave it out for the default, 24h",
		"line 2: delivery.maxAttempts: must be ≥ 1; leave it out for the default, 10",
		"line 2: delivery.timeout: must be above 0", "line 2: delivery.schedule: must list at least one duration",
		"line 2: delivery.disableAfter: must be above 0; leave it out for the default, 5d",
		"line 4: limits.maxBodyBytes: must be above 0; leave it out for the default, 1MiB",
		"line 5: limits.maxFileBytes: must be above 0", "line 6: limits.wsSendBuffer: must be ≥ 1",
		"line 7: limits.readTimeout: must be above 0", "line 8: limits.writeTimeout: must be above 0",
		"line 9: limits.idleTimeout: must be above 0", "line 10: services[0].timeout: must be above 0",
		"line 13: redis.waitTimeout: must be above 0",
		"line 13: redis.timeout: must be above 0; leave it out for the default, 1s"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("check-config: stderr lacks %q:\n%s", want, res.stderr)
		}
	}
	serve := runCLI(t, nil, "serve", "--config", zeros, "--listen", "127.0.0.1:0").want(t, 1, "serve with zeros")
	if !strings.Contains(serve.stderr, "delivery.maxAttempts: must be ≥ 1") {
		t.Errorf("serve with zeros: stderr lacks delivery.maxAttempts:\n%s", serve.stderr)
	}

	good := writeConfig(t, "callers: [{id: shop, apiKey: k}]\ndelivery: {maxAttempts: 3, ratePerEndpoint: 0}\n"+
		"limits: {ratePerCaller: 0, maxConnsPerClient: 0}\n")
	runCLI(t, nil, "check-config", good).want(t, 0, "check-config with zeros that mean no cap")
	res = runCLI(t, []string{"CALLHUB_DELIVERY_MAX_ATTEMPTS=0", "CALLHUB_LIMITS_MAX_BODY_BYTES=0B", "CALLHUB_REDIS_TIMEOUT=0s"},
		"check-config", good).want(t, 1, "check-config with zeros in the environment")
	for _, want := range []string{`CALLHUB_DELIVERY_MAX_ATTEMPTS: delivery.maxAttempts must be ≥ 1; leave it out for the default, 10, got "0"`,
		`CALLHUB_LIMITS_MAX_BODY_BYTES: limits.maxBodyBytes must be above 0`, `CALLHUB_REDIS_TIMEOUT: redis.timeout must be above 0`} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("check-config: stderr lacks %q:\n%s", want, res.stderr)
		}
	}
}

// TestCLICheckConfigBreaker: check-config names each bad key of a
// service's breaker with its line, and takes a good one.
func TestCLICheckConfigBreaker(t *testing.T) {
	t.Parallel()
	bad := writeConfig(t, "services:\n  - id: pay\n    baseURL: \"http://pay\"\n    breaker:\n      failures: 0\n      cooldown: 0s\n")
	res := runCLI(t, nil, "check-config", bad).want(t, 1, "check-config with a bad breaker")
	for _, want := range []string{"2 problems:", "line 5: services[0].breaker.failures: must be ≥ 1, got 0",
		"line 6: services[0].breaker.cooldown: must be above 0"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("check-config: stderr lacks %q:\n%s", want, res.stderr)
		}
	}
	good := writeConfig(t, "services: [{id: pay, baseURL: \"http://pay\", breaker: {failures: 5, cooldown: 30s}}]\n")
	runCLI(t, nil, "check-config", good).want(t, 0, "check-config with a breaker")
}
