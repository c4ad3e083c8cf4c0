package api_test

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"mime"
	"mime/multipart"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/callhub/callhub/api"
)

// javaHex is the old client's SHA-256 text: Integer.toHexString(b & 0xff)
// per byte, so bytes below 0x10 lose their leading zero.
func javaHex(sum [32]byte) string {
	var sb strings.Builder
	for _, b := range sum {
		fmt.Fprintf(&sb, "%x", b)
	}
	return sb.String()
}

// scratchFile writes 4096 random bytes whose hash has a byte below 0x10,
// so the old client's hash form differs from plain hex.
func scratchFile(t *testing.T, dir string) (path, javaSum string) {
	t.Helper()
	b := make([]byte, 4096)
	for {
		rand.Read(b)
		if sum := sha256.Sum256(b); len(javaHex(sum)) < 64 {
			javaSum = javaHex(sum)
			break
		}
	}
	path = filepath.Join(dir, "upload.bin")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, javaSum
}

// replayFile replays req12 (/file by path) naming path with fileHash.
func (r *replayRig) replayFile(path, fileHash string) (int, legacyResult) {
	r.t.Helper()
	v := capturedForm(r.t, "req12.txt")
	h, body := captured(r.t, "req12.txt",
		"filepath=%2F%3Cscratch%3E%2Fupload.bin", "filepath="+url.QueryEscape(path),
		"fileHash="+v.Get("fileHash"), "fileHash="+fileHash)
	return r.replay("/file", h, body)
}

// TestReplayFileByPath: req12 names a file inside compat.fileRoots; the
// hub checks the old client's hash form and forwards the file as
// multipart under fileField with the form's fields beside it.
func TestReplayFileByPath(t *testing.T) {
	root := t.TempDir()
	r := newReplayRig(t, api.Compat{FileRoots: []string{root}})
	path, sum := scratchFile(t, root)
	status, res := r.replayFile(path, sum)
	if status != 200 || res.Code != 0 || res.Msg != "Action OK" || res.FilePath != "upload.bin" {
		t.Fatalf("replayed req12 = %d %+v, want code 0 Action OK", status, res)
	}
	seen, body := r.svc.last()
	mr := multipart.NewReader(strings.NewReader(body), boundary(t, seen.Header.Get("Content-Type")))
	form, err := mr.ReadForm(1 << 20)
	if err != nil {
		t.Fatalf("service got no multipart: %v", err)
	}
	fh := form.File["file"]
	if seen.URL.Path != "/user/test/upload" || len(fh) != 1 || fh[0].Size != 4096 || form.Value["editor"][0] != "Jack" {
		t.Errorf("service saw %s with fields %v files %v, want file under fileField \"file\" and editor", seen.URL.Path, form.Value, form.File)
	}
	plain := fmt.Sprintf("%x", sha256.Sum256(bytesOf(t, path)))
	if _, res := r.replayFile(path, strings.ToUpper(plain)); res.Code != 0 {
		t.Errorf("plain hex fileHash = %+v, want code 0", res)
	}
	hits := r.svc.hits()
	if _, res := r.replayFile(path, strings.Repeat("ab", 32)); res.Code != 1 || !strings.Contains(res.Msg, "fileHash") || r.svc.hits() != hits {
		t.Errorf("wrong fileHash = %+v after %d forwards, want code 1 naming fileHash and nothing forwarded", res, r.svc.hits()-hits)
	}
}

// TestReplayFileByPathOff: without compat.fileRoots, /file by path is
// code 1 naming filepath and the setting.
func TestReplayFileByPathOff(t *testing.T) {
	r := newReplayRig(t, api.Compat{})
	path, sum := scratchFile(t, t.TempDir())
	status, res := r.replayFile(path, sum)
	if status != 400 || res.Code != 1 || !strings.Contains(res.Msg, "filepath") || !strings.Contains(res.Msg, "compat.fileRoots") || r.svc.hits() != 0 {
		t.Errorf("/file by path, off = %d %+v, want 400 code 1 naming filepath and compat.fileRoots", status, res)
	}
}

// TestReplayFileByPathEscapes: nothing outside the roots is read, by any
// path, link or special file; each is code 1 naming filepath and nothing
// reaches the service.
func TestReplayFileByPathEscapes(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	secret, _ := scratchFile(t, outside)
	mustDo(t, os.Symlink(secret, filepath.Join(root, "link-out")))
	mustDo(t, os.Symlink("hop2", filepath.Join(root, "hop1")))
	mustDo(t, os.Symlink("../"+filepath.Base(outside)+"/upload.bin", filepath.Join(root, "hop2")))
	mustDo(t, os.Symlink(outside, filepath.Join(root, "dir-out")))
	mustDo(t, os.Symlink("/proc/self/environ", filepath.Join(root, "proc-link")))
	mustDo(t, os.Mkdir(filepath.Join(root, "sub"), 0o700))
	mustDo(t, syscall.Mkfifo(filepath.Join(root, "fifo"), 0o600))
	r := newReplayRig(t, api.Compat{FileRoots: []string{root}})
	tests := []struct{ name, path string }{
		{"dot-dot", root + "/../" + filepath.Base(outside) + "/upload.bin"},
		{"dot-dot that stays inside", root + "/sub/../upload.bin"},
		{"absolute outside", secret},
		{"relative", "upload.bin"},
		{"symlink out", root + "/link-out"},
		{"symlink chain out", root + "/hop1"},
		{"directory symlink out", root + "/dir-out/upload.bin"},
		{"symlink to /proc", root + "/proc-link"},
		{"/proc/self", "/proc/self/environ"},
		{"/proc via root-like prefix", "/proc/self/root" + secret},
		{"/dev", "/dev/zero"},
		{"a directory", root + "/sub"},
		{"the root itself", root},
		{"a fifo", root + "/fifo"},
		{"missing", root + "/missing.bin"},
		{"prefix sibling", root + "x/upload.bin"},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, res := r.replayFile(tt.path, "00")
			if status != 400 || res.Code != 1 || !strings.HasPrefix(res.Msg, "filepath") {
				t.Errorf("/file %q = %d %+v, want 400 code 1 naming filepath", tt.path, status, res)
			}
		})
	}
	if r.svc.hits() != 0 {
		t.Errorf("%d forwards, want none", r.svc.hits())
	}
}

// TestReplayFileByPathChainInside: links that stay inside the root are
// followed.
func TestReplayFileByPathChainInside(t *testing.T) {
	root := t.TempDir()
	_, sum := scratchFile(t, root)
	mustDo(t, os.Symlink("upload.bin", filepath.Join(root, "a")))
	mustDo(t, os.Symlink("a", filepath.Join(root, "b")))
	r := newReplayRig(t, api.Compat{FileRoots: []string{t.TempDir(), root}})
	if _, res := r.replayFile(root+"/b", sum); res.Code != 0 {
		t.Errorf("/file through links inside the root = %+v, want code 0", res)
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// boundary is the multipart boundary of a Content-Type.
func boundary(t *testing.T, ct string) string {
	t.Helper()
	_, params, err := mime.ParseMediaType(ct)
	if err != nil || params["boundary"] == "" {
		t.Fatalf("Content-Type %q is not multipart", ct)
	}
	return params["boundary"]
}
