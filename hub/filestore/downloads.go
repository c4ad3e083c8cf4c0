package filestore

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/callhub/callhub/hub"
)

// Downloads saves files in a directory where old clients read them by
// path: the old middleware's /download saved the service's file and
// answered where. Each file gets a new unguessable name and is removed by
// Sweep once Retention has passed. It is safe for concurrent use.
type Downloads struct {
	Dir string // Required: an absolute path.
	// Retention is how long a saved file lives. Defaults to 24h.
	Retention time.Duration
}

// Saved is a file Downloads saved.
type Saved struct {
	Path   string // absolute
	Name   string
	Size   int64
	SHA256 string
}

// Save copies r, at most max bytes, into a new file named after name and
// returns it. declared, when not "", is the SHA-256 the service stated
// (plain hex or the old client's form): a file that does not match it is
// hub.ErrBadGateway. On any error nothing stays behind.
func (d *Downloads) Save(r io.Reader, name, declared string, max int64) (Saved, error) {
	s := Saved{Name: hub.SafeName(name)}
	s.Path = filepath.Join(d.Dir, newBlobID()+"-"+s.Name)
	f, err := os.OpenFile(s.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return s, fmt.Errorf("save download: %w", err)
	}
	h := sha256.New()
	s.Size, err = io.Copy(io.MultiWriter(f, h), io.LimitReader(r, max+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	s.SHA256 = hex.EncodeToString(h.Sum(nil))
	switch {
	case err != nil:
		err = hub.Errorf(hub.ErrBadGateway, "download cut short: %v", err)
	case s.Size > max:
		err = hub.Errorf(hub.ErrTooLarge, "file larger than the limit of %d bytes", max)
	case declared != "" && !hub.SameSHA256(declared, s.SHA256):
		err = hub.Errorf(hub.ErrBadGateway, "the service's file hashes to %s, it declared %s", s.SHA256, declared)
	}
	if err != nil {
		os.Remove(s.Path)
		return Saved{}, err
	}
	return s, nil
}

// Sweep removes the saved files older than Retention; files Save did not
// name are left alone.
func (d *Downloads) Sweep(now time.Time) {
	r := d.Retention
	if r <= 0 {
		r = 24 * time.Hour
	}
	entries, _ := os.ReadDir(d.Dir)
	for _, e := range entries {
		id, _, ok := strings.Cut(e.Name(), "-")
		if !ok || !validBlobID(id) || !e.Type().IsRegular() {
			continue
		}
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > r {
			os.Remove(filepath.Join(d.Dir, e.Name()))
		}
	}
}
