package web_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestJSClient runs the browser JS client's own tests (web/jstest, under
// node --test) against a hub built from this checkout, so the README's one
// test command covers them. Without node it skips loudly (fails under
// CI=true).
func TestJSClient(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		msg := "NODE NOT INSTALLED: skipping the JS client's tests; apt-get install nodejs"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	bin := filepath.Join(t.TempDir(), "callhub")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/callhub").CombinedOutput(); err != nil {
		t.Fatalf("build callhub: %v\n%s", err, out)
	}
	cmd := exec.Command(node, "--test", "jstest/callhub.test.mjs")
	cmd.Env = append(os.Environ(), "CALLHUB_BIN="+bin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node --test web/jstest: %v\n%s", err, out)
	}
}
