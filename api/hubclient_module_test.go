package api_test

import (
	"os"
	"os/exec"
	"testing"
)

// TestSDKModule runs the Go SDK's own tests: api/hubclient is a module of
// its own, which the main module's ./... leaves out, so the README's one
// test command runs them from here (with -race when this run has it).
func TestSDKModule(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the SDK module's tests are not run")
	}
	args := []string{"test", "-count=1"}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, "./...")...)
	cmd.Dir = "hubclient"
	cmd.Env = os.Environ()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test in api/hubclient: %v\n%s", err, out)
	}
}
