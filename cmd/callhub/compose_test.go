package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

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
	Ports       []string          `yaml:"ports"`
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

// composeVar is a compose interpolation: ${VAR}, ${VAR:-default},
// ${VAR-default}, ${VAR:?error}, ${VAR?error}.
var composeVar = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}`)

// composeEnv is the environment the deployment tests run compose with:
// the secrets it requires.
var composeEnv = map[string]string{"CALLHUB_SECRET": "test-secret-0123456789",
	"CALLHUB_ADMIN_API_KEY": "admin-test-key", "CALLHUB_CALLERS_SHOP_API_KEY": "shop-test-key"}

// interpolate expands s as compose does with the variables env sets: an
// unset one takes its default, and a required one (?) is an error naming
// it. With ":", an empty value counts as unset.
func interpolate(s string, env map[string]string) (string, error) {
	var errs []string
	out := composeVar.ReplaceAllStringFunc(strings.ReplaceAll(s, "$$", "$"), func(ref string) string {
		m := composeVar.FindStringSubmatch(ref)
		v, set := env[m[1]]
		if strings.HasPrefix(m[2], ":") {
			set = v != ""
		}
		switch {
		case set:
			return v
		case strings.HasSuffix(m[2], "?"):
			errs = append(errs, m[1]+": "+m[3])
		}
		return m[3]
	})
	if errs != nil {
		return out, errors.New(strings.Join(errs, "; "))
	}
	return out, nil
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

// TestComposeHoldsNoSecrets: the shipped deployment requires its secrets
// from the environment (compose refuses to start without them, never
// falling back to a placeholder), keeps every key out of its config file,
// publishes the hub on loopback unless CALLHUB_BIND says otherwise, and
// can mount the demo service (CALLHUB_DEMO) to send a first request.
func TestComposeHoldsNoSecrets(t *testing.T) {
	t.Parallel()
	compose := readCompose(t)
	required := []string{"CALLHUB_SECRET", "CALLHUB_ADMIN_API_KEY", "CALLHUB_CALLERS_SHOP_API_KEY"}
	for _, name := range compose.hubServices() {
		env := compose.Services[name].Environment
		for _, k := range required {
			v, ok := env[k]
			if !ok {
				t.Errorf("%s: environment lacks %s", name, k)
				continue
			}
			if _, err := interpolate(v, nil); err == nil || !strings.Contains(err.Error(), k) {
				t.Errorf("%s: %s = %q starts without the variable (%v), want it required (${%s:?...})", name, k, v, err, k)
			}
		}
	}
	ports := compose.Services["nginx"].Ports
	for _, bind := range []map[string]string{nil, {"CALLHUB_BIND": "0.0.0.0"}} {
		want := "127.0.0.1:"
		if bind != nil {
			want = "0.0.0.0:"
		}
		for _, p := range ports {
			if got, _ := interpolate(p, bind); !strings.HasPrefix(got, want) {
				t.Errorf("nginx publishes %q (%q with %v), want it on %s", p, got, bind, want)
			}
		}
	}
	if len(ports) == 0 {
		t.Error("nginx publishes no port")
	}

	b, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "callhub.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	secretKeys := map[string]bool{"apiKey": true, "secret": true, "webhookSecret": true, "password": true}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		for i, c := range n.Content {
			if n.Kind == yaml.MappingNode && i%2 == 0 && secretKeys[c.Value] && i+1 < len(n.Content) {
				if v := n.Content[i+1].Value; !varRef.MatchString(v) || varRef.ReplaceAllString(v, "") != "" {
					t.Errorf("deploy/callhub.yaml line %d: %s holds %q, want only a ${VAR} from the environment", c.Line, c.Value, v)
				}
			}
			walk(c)
		}
	}
	walk(&doc)

	hubEnv := compose.Services[compose.hubServices()[0]].Environment
	for _, demo := range []string{"", "true"} {
		env := map[string]string{}
		for k, v := range composeEnv {
			env[k] = v
		}
		env["CALLHUB_DEMO"] = demo
		vars := map[string]string{"CALLHUB_REDIS_URL": "redis://127.0.0.1:1/0"}
		for k, v := range hubEnv {
			vars[k], _ = interpolate(v, env)
		}
		cfg, err := loadConfig(filepath.Join(repoRoot, "deploy", "callhub.yaml"), func(k string) string { return vars[k] })
		if err != nil {
			t.Fatalf("deploy/callhub.yaml with CALLHUB_DEMO=%q: %v", demo, err)
		}
		if cfg.Demo != (demo == "true") || cfg.Callers[0].APIKey != "shop-test-key" {
			t.Errorf("with CALLHUB_DEMO=%q: demo %v, shop key %q; want demo %v and the key from the environment",
				demo, cfg.Demo, cfg.Callers[0].APIKey, demo == "true")
		}
	}
}
