package hub_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/memstore"
	"github.com/callhub/callhub/internal/testwait"
)

// TestSubmitRemovesUpload: Submit owns a request's upload: its Remove is
// called exactly once, after the service read the whole file, whatever
// the outcome — refused, forwarded, failed, or forwarded in the
// background after the answer.
func TestSubmitRemovesUpload(t *testing.T) {
	var read atomic.Int64 // bytes of the file services received
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f, _, err := r.FormFile("file"); err == nil {
			n, _ := io.Copy(io.Discard, f)
			read.Add(n)
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer svc.Close()
	for _, tt := range []struct {
		name          string
		service       string
		async, reread bool
	}{
		{"refused: unknown service", "nope", false, false},
		{"sync", "s", false, true},
		{"failed forward", "gone", false, false},
		{"async, in the background", "s", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := hub.New(hub.Config{Store: &memstore.Store{}, Broker: &memstore.Broker{}, Secret: []byte("k"),
				Services: []hub.Service{{ID: "s", BaseURL: svc.URL}, {ID: "gone", BaseURL: "http://127.0.0.1:1"}}})
			path := filepath.Join(t.TempDir(), "up")
			os.WriteFile(path, []byte("twelve bytes"), 0o600)
			var removed atomic.Int32
			up := &hub.Upload{Path: path, Name: "up.txt", Size: 12, Remove: func() { removed.Add(1); os.Remove(path) }}
			before := read.Load()
			h.Submit(context.Background(), hub.Request{ServiceID: tt.service, Method: "POST", Path: "/up", Caller: "shop",
				Async: tt.async, Upload: up})
			testwait.Until(t, "the upload removed", func() bool { return removed.Load() > 0 })
			if tt.reread && read.Load()-before != 12 {
				t.Errorf("the service read %d bytes before the file was removed, want 12", read.Load()-before)
			}
			h.Close() // nothing in the background is left to remove it again
			if n := removed.Load(); n != 1 {
				t.Errorf("Remove called %d times, want once", n)
			}
		})
	}
}
