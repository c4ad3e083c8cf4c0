package filestore

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
)

func TestBlobsKeepOpenSweep(t *testing.T) {
	b := &Blobs{Dir: t.TempDir(), Retention: time.Hour}
	sp, err := b.Spool(strings.NewReader("hello"), 10)
	if err != nil || sp.Size != 5 || sp.SHA256 != "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" {
		t.Fatalf("Spool = %+v, %v", sp, err)
	}
	m, err := b.Keep(sp, BlobMeta{CID: "c", Name: "../x.txt"})
	if err != nil || len(m.ID) != 32 || m.Name != "x.txt" {
		t.Fatalf("Keep = %+v, %v", m, err)
	}
	f, got, err := b.Open(m.ID)
	if err != nil || got.CID != "c" {
		t.Fatalf("Open = %+v, %v", got, err)
	}
	f.Close()
	for _, bad := range []string{"../files/" + m.ID, m.ID[:31], strings.ToUpper(m.ID) + "x"} {
		if _, _, err := b.Open(bad); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("Open(%q) = %v, want hub.ErrNotFound", bad, err)
		}
	}
	b.Sweep(time.Now().Add(2 * time.Hour))
	if _, err := os.Stat(filepath.Join(b.Dir, "files", m.ID)); !os.IsNotExist(err) {
		t.Errorf("expired file still there: %v", err)
	}
	if _, err := b.Spool(strings.NewReader("too long"), 3); !errors.Is(err, hub.ErrTooLarge) {
		t.Errorf("Spool over max = %v, want hub.ErrTooLarge", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(b.Dir, "spool")); len(entries) != 0 {
		t.Errorf("spool holds %d files after a refused spool", len(entries))
	}
}
