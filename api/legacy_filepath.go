package api

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/callhub/callhub/hub"
	"github.com/gin-gonic/gin"
)

// systemDirs are never read by path, whatever the roots.
var systemDirs = []string{"/proc", "/dev", "/sys"}

// legacyFileByPath is /file as the old client sends it: an urlencoded
// form whose filepath names a file on the hub's own disk (the old
// middleware ran beside the app), with fileHash and fileField. The hub
// reads it only inside compat.fileRoots, checks fileHash and forwards it
// as multipart like any upload.
func (s *Server) legacyFileByPath(c *gin.Context) {
	f, ok := s.legacyForm(c)
	if !ok {
		return
	}
	if !f.BReq {
		s.legacyError(c, f.CID, hub.Invalid("body", "a reply carries its file as multipart/form-data"))
		return
	}
	if _, err := s.identifyCaller(c.Request); err != nil { // no file is opened for a stranger
		s.legacyError(c, f.CID, err)
		return
	}
	v := c.Request.Form
	u, err := s.spoolByPath(v.Get("filepath"))
	if err != nil {
		s.legacyError(c, f.CID, err)
		return
	}
	defer u.remove()
	s.legacyUpload(c, f, v, u)
}

// spoolByPath spools the file at path, read inside the file roots.
func (s *Server) spoolByPath(path string) (*upload, error) {
	if len(s.compat.FileRoots) == 0 {
		return nil, hub.Invalid("filepath", "files by path are off on this hub (setting compat.fileRoots); send the file as multipart/form-data")
	}
	if s.blobs == nil {
		return nil, hub.Errorf(hub.ErrNotFound, "file transfer is not configured on this hub")
	}
	f, err := openInRoots(s.compat.FileRoots, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sp, err := s.blobs.Spool(f, s.maxFile)
	if err != nil {
		return nil, err
	}
	return &upload{file: sp, name: filepath.Base(path)}, nil
}

// openInRoots opens path for reading if it is a regular file inside one
// of roots: absolute, no "..", nothing under /proc, /dev or /sys, and no
// symbolic link that leaves the root (os.Root enforces that, on every
// component, at open time).
func openInRoots(roots []string, path string) (*os.File, error) {
	switch {
	case path == "":
		return nil, hub.Invalid("filepath", "required: the file's path on the hub's disk")
	case !filepath.IsAbs(path):
		return nil, hub.Invalid("filepath", "must be an absolute path, got %q", path)
	case strings.Contains(path, "\x00"):
		return nil, hub.Invalid("filepath", "must not contain NUL")
	}
	for _, el := range strings.Split(filepath.ToSlash(path), "/") {
		if el == ".." {
			return nil, hub.Invalid("filepath", "must not contain \"..\"")
		}
	}
	clean := filepath.Clean(path)
	for _, d := range systemDirs {
		if within(d, clean) {
			return nil, hub.Invalid("filepath", "%s is under %s, never read by path", clean, d)
		}
	}
	for _, root := range roots {
		if within(root, clean) {
			rel, err := filepath.Rel(root, clean)
			if err != nil {
				break
			}
			return openInRoot(root, rel, clean)
		}
	}
	return nil, hub.Invalid("filepath", "%s is outside the directories of compat.fileRoots", clean)
}

// within reports whether path is dir or below it.
func within(dir, path string) bool {
	dir = filepath.Clean(dir)
	return path == dir || strings.HasPrefix(path, strings.TrimSuffix(dir, string(filepath.Separator))+string(filepath.Separator))
}

// openInRoot opens rel inside root; O_NONBLOCK keeps a FIFO from blocking
// the open, and the file is refused unless it is a regular file.
func openInRoot(root, rel, shown string) (*os.File, error) {
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, hub.Invalid("filepath", "root %s of compat.fileRoots cannot be opened", root)
	}
	defer r.Close()
	f, err := r.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, hub.Invalid("filepath", "%s: no such file", shown)
	case err != nil:
		return nil, hub.Invalid("filepath", "%s cannot be read inside compat.fileRoots (a link leaving the root, or no permission)", shown)
	}
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil, hub.Invalid("filepath", "%s is not a regular file", shown)
	}
	return f, nil
}
