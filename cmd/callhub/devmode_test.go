package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/callhub/callhub/hub/redisstore/redistest"
)

// TestDevModeFollowsEnvironment: without a config file, the environment
// decides: a redis store or a listen address beyond loopback is not dev
// mode, and a hub with no keys refuses an address beyond loopback.
func TestDevModeFollowsEnvironment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env         map[string]string
		wantDev     bool
		wantRefused bool
	}{
		{nil, true, false},
		{map[string]string{"CALLHUB_LISTEN": "127.0.0.1:9000"}, true, false},
		{map[string]string{"CALLHUB_LISTEN": "[::1]:9000"}, true, false},
		{map[string]string{"CALLHUB_LISTEN": "localhost:9000"}, true, false},
		{map[string]string{"CALLHUB_ADMIN_API_KEY": "k"}, true, false},
		{map[string]string{"CALLHUB_STORE": "redis", "CALLHUB_SECRET": "s", "CALLHUB_REDIS_URL": "redis://127.0.0.1:1/0"}, false, false},
		{map[string]string{"CALLHUB_LISTEN": "0.0.0.0:9000"}, false, true},
		{map[string]string{"CALLHUB_LISTEN": ":9000"}, false, true},
		{map[string]string{"CALLHUB_LISTEN": "192.0.2.1:9000"}, false, true},
		{map[string]string{"CALLHUB_LISTEN": "[::]:9000"}, false, true},
		{map[string]string{"CALLHUB_LISTEN": ":9000", "CALLHUB_STORE": "redis", "CALLHUB_SECRET": "s", "CALLHUB_REDIS_URL": "redis://127.0.0.1:1/0"}, false, true},
	}
	for _, tt := range tests {
		cfg, err := loadConfig("", env(tt.env))
		if err != nil {
			t.Fatalf("loadConfig(%v): %v", tt.env, err)
		}
		if got := cfg.isDev(); got != tt.wantDev {
			t.Errorf("env %v: isDev() = %v, want %v", tt.env, got, tt.wantDev)
		}
		if err := cfg.checkExposed(); (err != nil) != tt.wantRefused {
			t.Errorf("env %v: checkExposed() = %v, want refused %v", tt.env, err, tt.wantRefused)
		}
	}
	cfg, err := loadConfig(writeConfig(t, "callers: [{id: shop, apiKey: k}]\n"), env(map[string]string{"CALLHUB_LISTEN": ":9000"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.checkExposed(); err != nil {
		t.Errorf("a config file with callers on :9000: checkExposed() = %v, want nil", err)
	}
}

// status is the status of method url with an optional bearer key.
func status(t *testing.T, method, url, key string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(`{"serviceId":"echo","path":"/echo"}`))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestServeDevModeEnforcesAdminKey: a dev hub with CALLHUB_ADMIN_API_KEY
// set still needs no key for requests, but every admin route needs the
// admin key.
func TestServeDevModeEnforcesAdminKey(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	p := startProc(t, addr, []string{"serve", "--listen", addr}, append(cleanEnv(), "CALLHUB_ADMIN_API_KEY=admin-key"))
	if got := status(t, "POST", p.URL+"/v1/requests", ""); got != http.StatusOK {
		t.Errorf("dev mode: keyless POST /v1/requests = %d, want 200", got)
	}
	for _, path := range []string{"/v1/stats", "/v1/requests", "/v1/deliveries", "/v1/endpoints"} {
		if got := status(t, "GET", p.URL+path, ""); got != http.StatusUnauthorized {
			t.Errorf("dev mode with an admin key: keyless GET %s = %d, want 401", path, got)
		}
		if got := status(t, "GET", p.URL+path, "admin-key"); got != http.StatusOK {
			t.Errorf("dev mode with an admin key: GET %s with it = %d, want 200", path, got)
		}
	}
	if got := status(t, "POST", p.URL+"/v1/ws/tickets", ""); got != http.StatusUnauthorized {
		t.Errorf("dev mode with an admin key: keyless POST /v1/ws/tickets = %d, want 401", got)
	}
}

// TestServeRefusesKeylessBeyondLoopback: with no config file, the binary
// refuses to listen beyond loopback, and says how to proceed. It exits
// before it listens.
func TestServeRefusesKeylessBeyondLoopback(t *testing.T) {
	t.Parallel()
	for _, run := range [][]string{
		{"CALLHUB_LISTEN=0.0.0.0:0", "serve"},
		{"CALLHUB_LISTEN=127.0.0.1:0", "serve", "--listen", ":0"},
	} {
		r := runCLI(t, run[:1], run[1:]...).want(t, 1, strings.Join(run, " "))
		for _, want := range []string{"not a loopback address", "--config FILE", "--listen 127.0.0.1:8888"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", run, want, r.stderr)
			}
		}
	}
}

// TestServeEnvRedisIsNotDevMode: CALLHUB_STORE=redis without a config
// file runs on Redis, not dev mode: the banner names the store, and a
// keyless request is refused.
func TestServeEnvRedisIsNotDevMode(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	addr := freeAddr(t)
	p := startProc(t, addr, []string{"serve", "--listen", addr}, append(cleanEnv(), "CALLHUB_STORE=redis",
		"CALLHUB_REDIS_URL="+srv.URL(0), "CALLHUB_SECRET=s3cret"))
	if got := status(t, "POST", p.URL+"/v1/requests", ""); got != http.StatusUnauthorized {
		t.Errorf("CALLHUB_STORE=redis: keyless POST /v1/requests = %d, want 401", got)
	}
	// The banner is written before the hub serves, so it is there by now.
	if logs := p.Logs(); !strings.Contains(logs, "(store redis)") || strings.Contains(logs, "dev mode") {
		t.Errorf("CALLHUB_STORE=redis: banner is not the one of store redis:\n%s", logs)
	}
}
