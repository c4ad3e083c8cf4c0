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
	for _, want := range []string{"5 problems:", `line 2: unknown key "lisen"`, `line 4: invalid size "lots"`,
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
