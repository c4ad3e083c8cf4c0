package main

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/testwait"
)

// TestComposeDeployment reads docker-compose.yml and the Dockerfile,
// computes each hub's argv and environment as Docker would, and runs the
// binary with exactly those: container paths mapped to the repository
// (the config) and to temp dirs (named volumes), the redis host to a real
// loopback redis-server, the listen port to a free one. Each hub must run
// in config mode on that Redis, and pass its compose health check.
func TestComposeDeployment(t *testing.T) {
	compose, stage := readCompose(t), dockerfile(t)
	checkImage(t, stage)
	redis := redistest.Start(t)
	hubs := compose.hubServices()
	if len(hubs) < 2 {
		t.Fatalf("compose builds %v, want at least two hubs", hubs)
	}
	checkNginxWaits(t, compose, hubs)
	var procs []*proc
	var health [][]string
	for _, name := range hubs {
		d := deployHub(t, name, compose.Services[name], stage, redis)
		procs = append(procs, d.proc)
		health = append(health, d.health)
		checkConfigMode(t, name, d)
		if out, code := runArgv(t, d.health); code != 0 {
			t.Errorf("%s: health check %q = exit %d, want 0\n%s", name, d.health, code, out)
		}
	}
	redis.Stop() // now only a hub whose store is that Redis stops being ready
	for i, p := range procs {
		testwait.Until(t, hubs[i]+" not ready without Redis", func() bool {
			return getStatus(t, p.URL+"/readyz", "") != http.StatusOK
		})
		if out, code := runArgv(t, health[i]); code != 1 {
			t.Errorf("%s: health check without Redis = exit %d, want 1\n%s", hubs[i], code, out)
		}
	}
}

// checkImage: the image runs the binary as nonroot, with the version
// stamped, and a files directory nonroot owns.
func checkImage(t *testing.T, stage []string) {
	t.Helper()
	if !slices.Contains(stage, "USER nonroot:nonroot") {
		t.Error("Dockerfile: the final stage does not run as nonroot:nonroot")
	}
	b, _ := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if !strings.Contains(string(b), "-X main.version=") {
		t.Error("Dockerfile: go build does not stamp main.version")
	}
	ignore, err := os.ReadFile(filepath.Join(repoRoot, ".dockerignore"))
	if err != nil || !slices.Contains(strings.Fields(string(ignore)), ".git") {
		t.Errorf(".dockerignore does not leave out .git (%v)", err)
	}
}

// checkNginxWaits: nginx starts only once every hub is healthy.
func checkNginxWaits(t *testing.T, c composeFile, hubs []string) {
	t.Helper()
	deps := c.Services["nginx"].dependsOn()
	for _, h := range hubs {
		if deps[h] != "service_healthy" {
			t.Errorf("nginx depends_on %s: condition %q, want service_healthy", h, deps[h])
		}
	}
}

// deployed is one hub of the compose file, running here.
type deployed struct {
	proc   *proc
	cfg    *Config
	env    map[string]string
	health []string // the compose health check, mapped like the argv
}

// deployHub starts compose service s as Docker would run it, mapped to
// this machine.
func deployHub(t *testing.T, name string, s composeService, stage []string, redis *redistest.Server) deployed {
	t.Helper()
	addr := freeAddr(t)
	entry := execForm(t, stage, "ENTRYPOINT")
	if len(entry) == 0 {
		t.Fatal("Dockerfile has no ENTRYPOINT")
	}
	m := newContainerMap(t, s, entry[0], map[string]string{"redis:6379": redis.Addr, "127.0.0.1:8888": addr})
	mapArg := m.mapArg
	argv := effectiveArgv(t, s, stage)
	if len(argv) == 0 || argv[0] != entry[0] {
		t.Fatalf("%s: runs %q, want the binary %s first", name, argv, entry[0])
	}
	env := map[string]string{}
	var envList []string
	for k, v := range s.Environment {
		iv, err := interpolate(v, composeEnv)
		if err != nil {
			t.Fatalf("%s: environment %s: %v", name, k, err)
		}
		env[k] = mapArg(iv)
		envList = append(envList, k+"="+env[k])
	}
	getenv := func(k string) string { return env[k] }
	cfgPath := configArg(t, name, argv)
	cfg, err := loadConfig(mapArg(cfgPath), getenv)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !slices.Contains(m.volumes, cfg.Files.Dir) {
		t.Errorf("%s: files.dir %q is not a volume (%v): its files would not be shared", name, cfg.Files.Dir, m.volumes)
	}
	// The listen address: the container's port, here a free loopback one;
	// files.dir: the volume's directory here.
	envList = append(envList, "CALLHUB_LISTEN="+addr, "CALLHUB_FILES_DIR="+m.paths[cfg.Files.Dir])
	args := make([]string, len(argv)-1)
	for i, a := range argv[1:] {
		args[i] = mapArg(a)
	}
	p := startProc(t, addr, args, envList)
	var health []string
	if hc := s.Healthcheck.Test; len(hc) > 1 && hc[0] == "CMD" {
		for _, a := range hc[1:] {
			health = append(health, mapArg(a))
		}
	} else {
		t.Errorf("%s: healthcheck %q, want [\"CMD\", %q, \"health\", ...]", name, hc, entry[0])
	}
	return deployed{proc: p, cfg: cfg, env: env, health: health}
}

// containerMap maps what a container sees to this machine: paths (bind
// mounts to the repository, named volumes to temp dirs, the image's binary
// to the one built for the tests) and host:port addresses.
type containerMap struct {
	paths   map[string]string
	hosts   map[string]string
	volumes []string // container paths of named volumes
}

func newContainerMap(t *testing.T, s composeService, binary string, hosts map[string]string) *containerMap {
	t.Helper()
	m := &containerMap{paths: map[string]string{binary: hubBinary(t)}, hosts: hosts}
	for _, v := range s.Volumes {
		parts := strings.Split(v, ":")
		src, dst := parts[0], parts[1]
		if strings.HasPrefix(src, ".") || strings.HasPrefix(src, "/") {
			m.paths[dst] = filepath.Join(repoRoot, src)
		} else {
			m.paths[dst] = t.TempDir()
			m.volumes = append(m.volumes, dst)
		}
	}
	return m
}

// mapArg is a, an argument or value inside the container, mapped here.
func (m *containerMap) mapArg(a string) string {
	for from, to := range m.paths {
		if a == from || strings.HasPrefix(a, from+"/") {
			a = to + strings.TrimPrefix(a, from)
		}
	}
	for from, to := range m.hosts {
		a = strings.ReplaceAll(a, from, to)
	}
	return a
}

// configArg is the --config the hub's argv gives (it must give one).
func configArg(t *testing.T, name string, argv []string) string {
	t.Helper()
	for i, a := range argv {
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			return v
		}
		if a == "--config" && i+1 < len(argv) {
			return argv[i+1]
		}
	}
	t.Fatalf("%s: %q has no --config", name, argv)
	return ""
}

// checkConfigMode: the hub runs the compose config, not dev mode: no demo,
// keys required, the admin key the compose file sets works.
func checkConfigMode(t *testing.T, name string, d deployed) {
	t.Helper()
	if d.cfg.Demo || d.cfg.Store != "redis" {
		t.Errorf("%s: config has demo %v, store %q; want no demo, store redis", name, d.cfg.Demo, d.cfg.Store)
	}
	var out map[string]any
	req := map[string]any{"serviceId": "echo", "path": "/echo"}
	if got := doJSON(t, d.proc.URL+"/v1/requests", "", req, &out); got != http.StatusUnauthorized {
		t.Errorf("%s: POST /v1/requests without a key = %d, want 401 (dev mode needs none)", name, got)
	}
	if len(d.cfg.Callers) > 0 {
		if got := doJSON(t, d.proc.URL+"/v1/requests", d.cfg.Callers[0].APIKey, req, &out); got != http.StatusNotFound {
			t.Errorf("%s: the demo service echo = %d, want 404 (no demo in production)", name, got)
		}
	}
	admin := d.env["CALLHUB_ADMIN_API_KEY"]
	if got := getStatus(t, d.proc.URL+"/v1/deliveries", admin); admin == "" || got != http.StatusOK {
		t.Errorf("%s: GET /v1/deliveries with the compose admin key %q = %d, want 200", name, admin, got)
	}
}

// getStatus GETs url with a bearer key and returns the status (0 when
// the hub cannot be reached within 2s).
func getStatus(t *testing.T, url, key string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
