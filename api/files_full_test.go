package api_test

import (
	"io"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/callhub/callhub/internal/testlog"
)

// fullDisk writes like a file on a disk with no room left: the first
// writes pass, then every one fails as the kernel's does, with an
// *os.PathError naming the file and ENOSPC.
type fullDisk struct {
	f    *os.File
	room int // bytes that still fit
}

func (d *fullDisk) Write(p []byte) (int, error) {
	if len(p) > d.room {
		n, _ := d.f.Write(p[:d.room])
		d.room = 0
		return n, &os.PathError{Op: "write", Path: d.f.Name(), Err: syscall.ENOSPC}
	}
	d.room -= len(p)
	return d.f.Write(p)
}

// TestUploadDiskFull: an upload that meets a full disk is answered 507
// with a message that names neither the path nor the cause, the path is
// logged, the metric counts it, and nothing is left in the spool; the
// old form's /file is refused alike.
func TestUploadDiskFull(t *testing.T) {
	logs := &testlog.Buffer{}
	r := newRig(t, rigOptions{logger: slog.New(slog.NewTextHandler(logs, nil))})
	r.blobs.SpoolWriter = func(f *os.File) io.Writer { return &fullDisk{f: f, room: 64 << 10} }
	file, _ := randomFile(t, 1<<20)
	body, ct := multipartBody(t, "request", map[string]any{"serviceId": "svc", "path": "/upload"}, file)
	status, a := r.postMultipart("/v1/requests", "shop-key", body, ct)
	if status != 507 || r.svc.hits() != 0 {
		t.Errorf("upload onto a full disk = %d %+v, service hit %d times; want 507, nothing forwarded", status, a, r.svc.hits())
	}
	for _, leak := range []string{r.blobs.Dir, "spool", "no space"} {
		if strings.Contains(a.Msg, leak) {
			t.Errorf("507 msg = %q, names %q", a.Msg, leak)
		}
	}
	if !r.spoolEmpty() {
		t.Error("spooled upload left behind")
	}
	if l := logs.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, r.blobs.Dir) || !strings.Contains(l, "no space left") {
		t.Errorf("log does not name the path and the cause:\n%s", l)
	}
	lb, lct := oldMultipart(map[string]string{"serviceId": "svc", "url": "/upload", "fileField": "doc"}, "doc", file)
	if status, res := r.postMultipart("/file", "shop-key", lb, lct); status != 507 || strings.Contains(res.Msg, r.blobs.Dir) {
		t.Errorf("old-form /file onto a full disk = %d %+v, want 507 without the path", status, res)
	}
	if !r.spoolEmpty() {
		t.Error("spooled /file upload left behind")
	}
	if got := sample(scrape(t, r), "callhub_storage_full_total"); got != 2 {
		t.Errorf("callhub_storage_full_total = %v, want 2", got)
	}
}
