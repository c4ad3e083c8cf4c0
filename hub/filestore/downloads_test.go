package filestore_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/filestore"
)

// TestDownloadsSaveAndSweep: a saved file gets a new name and its hash;
// a declared hash that does not match leaves nothing; Sweep removes only
// saved files past retention.
func TestDownloadsSaveAndSweep(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	d := &filestore.Downloads{Dir: dir, Retention: time.Hour}
	content := []byte("report")
	sum := sha256.Sum256(content)
	s, err := d.Save(bytes.NewReader(content), "../../etc/passwd", hex.EncodeToString(sum[:]), 100)
	if err != nil || filepath.Dir(s.Path) != dir || !strings.HasSuffix(s.Path, "-passwd") || s.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("Save = %+v, %v; want a new name in %s", s, err, dir)
	}
	if _, err := d.Save(bytes.NewReader(content), "x", strings.Repeat("0", 64), 100); !errors.Is(err, hub.ErrBadGateway) {
		t.Errorf("Save with a wrong hash = %v, want ErrBadGateway", err)
	}
	if _, err := d.Save(bytes.NewReader(content), "x", "", 3); !errors.Is(err, hub.ErrTooLarge) {
		t.Errorf("Save beyond max = %v, want ErrTooLarge", err)
	}
	other := filepath.Join(dir, "operator-notes.txt")
	os.WriteFile(other, nil, 0o600)
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(other, old, old)
	d.Sweep(time.Now())
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Fatalf("after Sweep within retention: %d files, want the saved one and the operator's", len(entries))
	}
	d.Sweep(time.Now().Add(2 * time.Hour))
	if _, err := os.Stat(s.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("saved file past retention still there: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("Sweep removed a file it did not save: %v", err)
	}
}
