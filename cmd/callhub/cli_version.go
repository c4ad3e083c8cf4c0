package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is stamped at build time: go build -ldflags "-X main.version=v1.2.3".
var version = "dev"

// buildInfo is what `callhub version` reports.
type buildInfo struct {
	Version  string `json:"version"`
	Revision string `json:"revision,omitempty"` // the VCS commit, when go build saw one
	Modified bool   `json:"modified,omitempty"` // the work tree had changes
	Go       string `json:"go"`
}

// readBuildInfo returns the stamped version and what the Go toolchain
// recorded about the build.
func readBuildInfo() buildInfo {
	bi := buildInfo{Version: version, Go: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return bi
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			bi.Revision = s.Value
		case "vcs.modified":
			bi.Modified = s.Value == "true"
		}
	}
	return bi
}

// String is the one-line human form: "callhub v1.2.3 (abc1234, go1.26.0)".
func (bi buildInfo) String() string {
	rev := bi.Revision
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && bi.Modified {
		rev += "-dirty"
	}
	if rev != "" {
		rev += ", "
	}
	return fmt.Sprintf("callhub %s (%s%s)", bi.Version, rev, bi.Go)
}

const versionUsage = `usage: callhub version [--json]

Print the version stamped at build time, the VCS revision and the Go version.
`

// versionCmd is `callhub version`.
func versionCmd(_ context.Context, args []string, _ func(string) string, stdout, _ io.Writer) error {
	fs := newFlagSet("version", versionUsage)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := fs.parse(args, stdout)
	if err != nil {
		return err
	}
	if err := fs.wantArgs(pos, 0, ""); err != nil {
		return err
	}
	bi := readBuildInfo()
	if *asJSON {
		return writeJSON(stdout, bi)
	}
	_, err = fmt.Fprintln(stdout, bi)
	return err
}
