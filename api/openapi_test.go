package api

import (
	"regexp"
	"strings"
	"testing"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/memstore"
	"go.yaml.in/yaml/v3"
)

// TestOpenAPICoversRoutes: every route the server registers is described
// in /openapi.yaml, which is valid YAML.
func TestOpenAPICoversRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                    `yaml:"openapi"`
		Paths   map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(openAPI, &doc); err != nil || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi.yaml = %q, %v", doc.OpenAPI, err)
	}
	h, _ := hub.New(hub.Config{Store: &memstore.Store{}, Broker: &memstore.Broker{}, Secret: []byte("x")})
	defer h.Close()
	s := New(Config{Hub: h})
	param := regexp.MustCompile(`:(\w+)`)
	for _, r := range s.engine.Routes() {
		if strings.HasPrefix(r.Path, "/demo") || r.Path == "/openapi.yaml" {
			continue
		}
		path := param.ReplaceAllString(r.Path, "{$1}")
		ops, ok := doc.Paths[path]
		if !ok {
			t.Errorf("route %s %s is not in openapi.yaml", r.Method, path)
			continue
		}
		if _, ok := ops[strings.ToLower(r.Method)]; !ok {
			t.Errorf("openapi.yaml has %s but not its %s", path, r.Method)
		}
	}
}

// TestOpenAPIOperations: every operation has a unique operationId and
// describes its 4xx error answers, the operations endpoints included.
func TestOpenAPIOperations(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string         `yaml:"operationId"`
			Responses   map[string]any `yaml:"responses"`
		} `yaml:"paths"`
	}
	if err := yaml.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	seen := map[string]string{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			where := strings.ToUpper(method) + " " + path
			if op.OperationID == "" {
				t.Errorf("%s has no operationId", where)
			} else if other, dup := seen[op.OperationID]; dup {
				t.Errorf("%s and %s share operationId %s", where, other, op.OperationID)
			}
			seen[op.OperationID] = where
			has4xx := false
			for code := range op.Responses {
				has4xx = has4xx || strings.HasPrefix(code, "4")
			}
			if !has4xx {
				t.Errorf("%s describes no 4xx answer", where)
			}
		}
	}
}
