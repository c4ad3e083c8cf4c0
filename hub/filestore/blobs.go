package filestore

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/callhub/callhub/hub"
)

// Blobs keeps files in a directory that every instance shares: uploads
// are spooled there before they are forwarded, and files that replies
// carry are kept there until Retention passes. It is safe for concurrent
// use by many processes.
type Blobs struct {
	Dir string // Required.
	// Retention is how long a kept file lives. Defaults to 24h.
	Retention time.Duration
	// SpoolWriter, if set, is what Spool writes a spool file through,
	// given the file; tests make it fail as a full disk does. Defaults to
	// the file itself.
	SpoolWriter func(f *os.File) io.Writer
}

// StorageError is a failed write to the hub's own disk: a server fault,
// never the client's. It matches hub.ErrStorageFull when the disk or quota
// had no room. Its message names the file; clients must not read it.
type StorageError struct {
	Err error // an *os.PathError, with the path
}

func (e *StorageError) Error() string { return e.Err.Error() }
func (e *StorageError) Unwrap() error { return e.Err }

// Is reports that a write that found no room is an hub.ErrStorageFull.
func (e *StorageError) Is(target error) bool {
	return target == hub.ErrStorageFull && (errors.Is(e.Err, syscall.ENOSPC) || errors.Is(e.Err, syscall.EDQUOT))
}

// BlobMeta describes a kept file; it is stored beside the file.
type BlobMeta struct {
	ID          string    `json:"id"`
	CID         string    `json:"cid"`
	Name        string    `json:"name"`
	ContentType string    `json:"contentType,omitempty"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"createdAt"`
}

// Spooled is a file received into the spool directory, hashed on the way.
// The receiver must call Remove once done (a kept file is moved away first).
type Spooled struct {
	Path   string
	Size   int64
	SHA256 string
}

// Remove deletes the spooled file if it is still there.
func (s *Spooled) Remove() { os.Remove(s.Path) }

func (b *Blobs) dir(sub string) (string, error) {
	d := filepath.Join(b.Dir, sub)
	return d, os.MkdirAll(d, 0o750)
}

// Spool copies r to a temporary file, at most max bytes (hub.ErrTooLarge
// beyond), computing its SHA-256. On any error nothing is left behind.
func (b *Blobs) Spool(r io.Reader, max int64) (*Spooled, error) {
	d, err := b.dir("spool")
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	f, err := os.CreateTemp(d, "up-*")
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	h := sha256.New()
	w := &writeErr{w: io.Writer(f)}
	if b.SpoolWriter != nil {
		w.w = b.SpoolWriter(f)
	}
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(r, max+1))
	if cerr := f.Close(); w.err == nil && cerr != nil {
		w.err = cerr
	}
	if w.err != nil {
		err = &StorageError{Err: w.err}
	}
	if err == nil && n > max {
		err = hub.Errorf(hub.ErrTooLarge, "file larger than the limit of %d bytes", max)
	}
	if err != nil {
		os.Remove(f.Name())
		return nil, err
	}
	return &Spooled{Path: f.Name(), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// writeErr remembers the error of its writer, so that a failed write (the
// hub's fault) is told from a failed read (the sender's).
type writeErr struct {
	w   io.Writer
	err error
}

func (w *writeErr) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, err
}

// Keep moves a spooled file into the store under a new unguessable id.
func (b *Blobs) Keep(sp *Spooled, m BlobMeta) (BlobMeta, error) {
	d, err := b.dir("files")
	if err != nil {
		return m, err
	}
	m.ID, m.Size, m.SHA256, m.Name = newBlobID(), sp.Size, sp.SHA256, hub.SafeName(m.Name)
	if m.CreatedAt.IsZero() {
		m.CreatedAt = time.Now()
	}
	meta, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(d, m.ID+".json"), meta, 0o640); err != nil {
		return m, &StorageError{Err: err}
	}
	if err := os.Rename(sp.Path, filepath.Join(d, m.ID)); err != nil {
		os.Remove(filepath.Join(d, m.ID+".json"))
		return m, fmt.Errorf("keep file: %w", err)
	}
	return m, nil
}

// Open returns a kept file and its description, or hub.ErrNotFound.
func (b *Blobs) Open(id string) (*os.File, BlobMeta, error) {
	var m BlobMeta
	if !validBlobID(id) {
		return nil, m, hub.Errorf(hub.ErrNotFound, "file %s not found", id)
	}
	d := filepath.Join(b.Dir, "files")
	raw, err := os.ReadFile(filepath.Join(d, id+".json"))
	if err == nil {
		err = json.Unmarshal(raw, &m)
	}
	if errors.Is(err, fs.ErrNotExist) || err == nil && b.expired(m.CreatedAt, time.Now()) {
		return nil, m, hub.Errorf(hub.ErrNotFound, "file %s not found", id)
	}
	if err != nil {
		return nil, m, fmt.Errorf("open file %s: %w", id, err)
	}
	f, err := os.Open(filepath.Join(d, id))
	if err != nil {
		return nil, m, hub.Errorf(hub.ErrNotFound, "file %s not found", id)
	}
	return f, m, nil
}

// Remove deletes a kept file, e.g. one whose reply was not stored.
func (b *Blobs) Remove(id string) {
	if validBlobID(id) {
		os.Remove(filepath.Join(b.Dir, "files", id))
		os.Remove(filepath.Join(b.Dir, "files", id+".json"))
	}
}

func (b *Blobs) expired(created, now time.Time) bool {
	r := b.Retention
	if r <= 0 {
		r = 24 * time.Hour
	}
	return now.Sub(created) > r
}

// Sweep removes kept files past retention and spooled files older than a
// day (left by a crash).
func (b *Blobs) Sweep(now time.Time) {
	entries, _ := os.ReadDir(filepath.Join(b.Dir, "files"))
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		if _, m, err := b.Open(id); errors.Is(err, hub.ErrNotFound) || err == nil && b.expired(m.CreatedAt, now) {
			os.Remove(filepath.Join(b.Dir, "files", id))
			os.Remove(filepath.Join(b.Dir, "files", id+".json"))
		}
	}
	spool, _ := os.ReadDir(filepath.Join(b.Dir, "spool"))
	for _, e := range spool {
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > 24*time.Hour {
			os.Remove(filepath.Join(b.Dir, "spool", e.Name()))
		}
	}
}

func newBlobID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func validBlobID(id string) bool {
	if len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}
