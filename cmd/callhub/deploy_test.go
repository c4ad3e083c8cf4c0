package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub/redisstore/redistest"
	"go.yaml.in/yaml/v3"
)

// repoRoot is the repository, seen from this package's directory.
const repoRoot = "../.."

// composeFile is the part of docker-compose.yml the deployment test reads.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Build       any               `yaml:"build"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Healthcheck struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	DependsOn yaml.Node `yaml:"depends_on"`
}

func readCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return c
}

// hubServices are the compose services built from this repository.
func (c composeFile) hubServices() []string {
	var names []string
	for name, s := range c.Services {
		if s.Build != nil {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// dependsOn maps each service s waits for to the condition it waits for.
func (s composeService) dependsOn() map[string]string {
	out := map[string]string{}
	n := s.DependsOn
	switch n.Kind {
	case yaml.SequenceNode:
		for _, c := range n.Content {
			out[c.Value] = "service_started"
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			var cond struct{ Condition string }
			n.Content[i+1].Decode(&cond)
			out[n.Content[i].Value] = cond.Condition
		}
	}
	return out
}

// dockerfile is the final stage of the Dockerfile, one instruction a line.
func dockerfile(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var stage []string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "FROM "):
			stage = nil
		case line != "" && !strings.HasPrefix(line, "#"):
			stage = append(stage, line)
		}
	}
	return stage
}

// execForm is the JSON array of the stage's last instr (ENTRYPOINT, CMD):
// the exec form, since distroless has no shell for the other one.
func execForm(t *testing.T, stage []string, instr string) []string {
	t.Helper()
	var argv []string
	for _, line := range stage {
		rest, ok := strings.CutPrefix(line, instr+" ")
		if !ok {
			continue
		}
		argv = nil
		if err := json.Unmarshal([]byte(rest), &argv); err != nil {
			t.Fatalf("Dockerfile %s is not a JSON array (exec form): %s", instr, rest)
		}
	}
	return argv
}

// composeVar is a compose interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}.
var composeVar = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}`)

// interpolate expands s as compose does with no variable set.
func interpolate(s string) string {
	return composeVar.ReplaceAllString(strings.ReplaceAll(s, "$$", "$"), "$2")
}

// effectiveArgv is what the container of service s runs: the entrypoint
// then the command, each from compose or else from the image.
func effectiveArgv(t *testing.T, s composeService, stage []string) []string {
	entry, cmd := s.Entrypoint, s.Command
	if entry == nil {
		entry = execForm(t, stage, "ENTRYPOINT")
	}
	if cmd == nil {
		cmd = execForm(t, stage, "CMD")
	}
	return append(slices.Clone(entry), cmd...)
}

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
		eventually(t, 10*time.Second, hubs[i]+" not ready without Redis", func() bool {
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
	// Container path → path here: bind mounts from the repository, named
	// volumes to temp dirs, the binary to the one built for the tests.
	paths := map[string]string{entry[0]: hubBinary(t)}
	var volumeDirs []string
	for _, v := range s.Volumes {
		parts := strings.Split(v, ":")
		src, dst := parts[0], parts[1]
		if strings.HasPrefix(src, ".") || strings.HasPrefix(src, "/") {
			paths[dst] = filepath.Join(repoRoot, src)
		} else {
			paths[dst] = t.TempDir()
			volumeDirs = append(volumeDirs, dst)
		}
	}
	hosts := map[string]string{"redis:6379": redis.Addr, "127.0.0.1:8888": addr}
	mapArg := func(a string) string {
		for from, to := range paths {
			if a == from || strings.HasPrefix(a, from+"/") {
				a = to + strings.TrimPrefix(a, from)
			}
		}
		for from, to := range hosts {
			a = strings.ReplaceAll(a, from, to)
		}
		return a
	}
	argv := effectiveArgv(t, s, stage)
	if len(argv) == 0 || argv[0] != entry[0] {
		t.Fatalf("%s: runs %q, want the binary %s first", name, argv, entry[0])
	}
	env := map[string]string{}
	var envList []string
	for k, v := range s.Environment {
		env[k] = mapArg(interpolate(v))
		envList = append(envList, k+"="+env[k])
	}
	getenv := func(k string) string { return env[k] }
	cfgPath := configArg(t, name, argv)
	cfg, err := loadConfig(mapArg(cfgPath), getenv)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !slices.Contains(volumeDirs, cfg.Files.Dir) {
		t.Errorf("%s: files.dir %q is not a volume (%v): its files would not be shared", name, cfg.Files.Dir, volumeDirs)
	}
	// The listen address: the container's port, here a free loopback one;
	// files.dir: the volume's directory here.
	envList = append(envList, "CALLHUB_LISTEN="+addr, "CALLHUB_FILES_DIR="+paths[cfg.Files.Dir])
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
