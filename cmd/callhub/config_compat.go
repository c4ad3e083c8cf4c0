package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/callhub/callhub/api"
	"github.com/callhub/callhub/hub/filestore"
)

// CompatConfig is the compat section: what the old middleware's
// endpoints may do on the hub's own disk. Both settings are off by
// default.
type CompatConfig struct {
	// FileRoots are the directories /file may read a filepath from. Empty
	// refuses files by path.
	FileRoots []string `yaml:"fileRoots,omitempty"`
	// DownloadDir is where /download saves the service's file, answering
	// its absolute path. "" answers the file's /v1/files URL instead.
	DownloadDir string `yaml:"downloadDir,omitempty"`
}

// systemDirs are never a file root, nor below or above one.
var systemDirs = []string{"/proc", "/dev", "/sys"}

// validateCompat checks the compat section.
func (c *Config) validateCompat(p *problems) {
	for i, dir := range c.Compat.FileRoots {
		key := fmt.Sprintf("compat.fileRoots[%d]", i)
		if msg := rootProblem(dir); msg != "" {
			p.add(key, "%s", msg)
		}
	}
	if d := c.Compat.DownloadDir; d != "" {
		if !filepath.IsAbs(d) {
			p.add("compat.downloadDir", "must be an absolute path, got %q", d)
		} else if info, err := os.Stat(d); err != nil || !info.IsDir() {
			p.add("compat.downloadDir", "must be an existing directory, got %q", d)
		}
	}
}

// rootProblem says why dir cannot be a file root, or "".
func rootProblem(dir string) string {
	if !filepath.IsAbs(dir) {
		return fmt.Sprintf("must be an absolute path, got %q", dir)
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Sprintf("must be an existing directory, got %q", dir)
	}
	if info, err := os.Stat(real); err != nil || !info.IsDir() {
		return fmt.Sprintf("must be an existing directory, got %q", dir)
	}
	for _, sys := range systemDirs {
		if related(sys, real) {
			return fmt.Sprintf("%q is %s, or holds it, or lies below it: never a file root", dir, sys)
		}
	}
	return ""
}

// related reports whether a and b are the same directory or one holds
// the other.
func related(a, b string) bool {
	under := func(dir, p string) bool {
		return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
	}
	return under(a, b) || under(b, a)
}

// apiCompat is the api's part of the compat section.
func apiCompat(cfg *Config) api.Compat {
	out := api.Compat{}
	for _, d := range cfg.Compat.FileRoots {
		out.FileRoots = append(out.FileRoots, filepath.Clean(d))
	}
	if cfg.Compat.DownloadDir != "" {
		out.Downloads = &filestore.Downloads{Dir: filepath.Clean(cfg.Compat.DownloadDir), Retention: cfg.Retention.D()}
	}
	return out
}
