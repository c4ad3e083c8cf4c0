package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/memstore"
	"github.com/callhub/callhub/internal/testwait"
	"github.com/coder/websocket"
)

// TestWSCutAfterBatchCloses1013: the write deadline's timer can fire as
// the batch it guards ends (its Stop then comes too late), or free the
// room while the write it unblocks checks the cut before it is set; either
// way the room kept for the close frame is freed with no writer left to
// send it. The cut still ends in a 1013 close the client reads, not in the
// last resort's bare close of the socket a write timeout later (1006).
func TestWSCutAfterBatchCloses1013(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("room for the close frame is kept on Linux only")
	}
	h, err := hub.New(hub.Config{Store: &memstore.Store{}, Broker: &memstore.Broker{}, Secret: []byte("test")})
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{Hub: h, WriteTimeout: 2 * time.Second, PingInterval: time.Hour,
		Keys: []Key{{Kind: "caller", ID: "shop", APIKey: "shop-key"}}})
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() { ts.Close(); h.Close(); s.Wait() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/v1/ws",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer shop-key"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	var sess *session
	testwait.Until(t, "the session on the ping wheel", func() bool {
		s.sessions.mu.Lock()
		defer s.sessions.mu.Unlock()
		for _, slot := range s.sessions.slots {
			for w := range slot {
				sess = w
			}
		}
		return sess != nil
	})
	if sess.release == nil {
		t.Skip("no room kept on this socket")
	}
	sess.stuck() // the deadline of a batch that has just ended
	start := time.Now()
	_, _, err = conn.Read(ctx)
	if code := websocket.CloseStatus(err); code != websocket.StatusTryAgainLater {
		t.Errorf("after a cut the client read %v (close status %d) after %s, want a 1013 close", err, code,
			time.Since(start).Round(time.Millisecond))
	}
}
