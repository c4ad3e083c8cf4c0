package main

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestLoadConfigOnePass: problems of the file (unknown keys, bad values,
// unset variables) and of validation come in one error, each with its line.
func TestLoadConfigOnePass(t *testing.T) {
	t.Parallel()
	yaml := "store: redis\nlisen: x\nretention: forever\nadmin: {apiKey: \"${NOPE}\"}\n" +
		"callers:\n  - id: a\n    apiKey: k\n    callbackBase: shop\n"
	_, err := loadConfig(writeConfig(t, yaml), env(nil))
	if err == nil {
		t.Fatal("loadConfig = nil, want errors")
	}
	wants := []string{": 6 problems:", "\nline 2: unknown key \"lisen\"", "\nline 3: retention: invalid duration",
		"\nline 4: ${NOPE} is not set", "\nredis.url: required", "\nsecret: required",
		"\nline 8: callers[0].callbackBase: must be an absolute"}
	for _, want := range wants {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("loadConfig = %v\nwant it to contain %q", err, want)
		}
	}
}

// TestLoadConfigUnsetVarOnce: a setting left empty by an unset variable
// is reported once, as the variable.
func TestLoadConfigUnsetVarOnce(t *testing.T) {
	t.Parallel()
	_, err := loadConfig(writeConfig(t, "store: redis\nredis: {url: \"redis://r\"}\nsecret: \"${S}\"\n"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "line 3: ${S} is not set") || strings.Contains(err.Error(), "secret: required") {
		t.Errorf("loadConfig = %v, want only the unset ${S}", err)
	}
}

func TestKeyLine(t *testing.T) {
	t.Parallel()
	src := "listen: x\nredis:\n  addrs: [a, b]\ncallers:\n  - id: a\n  - id: b\n    apiKey: k\n"
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want int
	}{
		{"listen", 1}, {"redis.addrs", 3}, {"redis.addrs[1]", 3}, {"callers[0]", 5},
		{"callers[1].apiKey", 7}, {"callers[2].id", 0}, {"store", 0}, {"listen.x", 0},
	}
	for _, tt := range tests {
		if got := keyLine(&doc, tt.path); got != tt.want {
			t.Errorf("keyLine(%q) = %d, want %d", tt.path, got, tt.want)
		}
	}
	if got := keyLine(nil, "listen"); got != 0 {
		t.Errorf("keyLine(nil) = %d, want 0", got)
	}
}
