package main

import (
	"encoding/json"
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
