package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateCompat: every wrong compat directory is named, all in one
// pass; a root can never be, hold or lie below /proc, /dev or /sys, even
// through a symbolic link.
func TestValidateCompat(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, []byte("x"), 0o600)
	toProc := filepath.Join(dir, "proc-link")
	if err := os.Symlink("/proc/self", toProc); err != nil {
		t.Fatal(err)
	}
	yaml := "compat:\n  fileRoots: [\"" + dir + "\", relative, \"" + file + "\", /, /proc/self, /dev, \"" + toProc + "\", \"" + dir + "/missing\"]\n" +
		"  downloadDir: rel\n"
	_, err := loadConfig(writeConfig(t, yaml), env(nil))
	if err == nil {
		t.Fatal("loadConfig accepted bad compat directories")
	}
	for _, want := range []string{
		`compat.fileRoots[1]: must be an absolute path, got "relative"`,
		`compat.fileRoots[2]: must be an existing directory`,
		`compat.fileRoots[3]: "/" is /proc, or holds it`,
		`compat.fileRoots[4]: "/proc/self" is /proc`,
		`compat.fileRoots[5]: "/dev" is /dev`,
		`compat.fileRoots[6]: "` + toProc + `" is /proc`,
		`compat.fileRoots[7]: must be an existing directory`,
		`compat.downloadDir: must be an absolute path, got "rel"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "compat.fileRoots[0]") {
		t.Errorf("a plain directory was refused: %v", err)
	}
}

// TestApiCompat: the settings reach the api cleaned, and downloads live
// as long as everything else (retention).
func TestApiCompat(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := mustLoad(t, "retention: 2h\ncompat: {fileRoots: [\""+dir+"/\"], downloadDir: \""+dir+"\"}\n", env(nil))
	c := apiCompat(cfg)
	if len(c.FileRoots) != 1 || c.FileRoots[0] != dir {
		t.Errorf("FileRoots = %v, want [%s]", c.FileRoots, dir)
	}
	if c.Downloads == nil || c.Downloads.Dir != dir || c.Downloads.Retention != cfg.Retention.D() {
		t.Errorf("Downloads = %+v, want %s with the retention", c.Downloads, dir)
	}
	if off := apiCompat(mustLoad(t, "retention: 2h\n", env(nil))); off.FileRoots != nil || off.Downloads != nil {
		t.Errorf("compat without settings = %+v, want off", off)
	}
}
