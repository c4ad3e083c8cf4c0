package hubclient_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/coder/websocket"
)

// fakeHub speaks the hub's WebSocket wire format on loopback: the n-th
// upgrade request to /v1/ws is answered by sessions[n] (the last one
// repeats), and each request's query is recorded.
type fakeHub struct {
	*httptest.Server
	sessions []http.HandlerFunc

	mu      sync.Mutex
	queries []url.Values
}

func newFakeHub(t *testing.T, sessions ...http.HandlerFunc) *fakeHub {
	t.Helper()
	f := &fakeHub{sessions: sessions}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeHub) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/ws" {
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	n := len(f.queries)
	f.queries = append(f.queries, r.URL.Query())
	f.mu.Unlock()
	f.sessions[min(n, len(f.sessions)-1)](w, r)
}

// dials returns the queries of the upgrades so far.
func (f *fakeHub) dials() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.queries...)
}

// refuse answers the upgrade with status and the hub's JSON envelope.
func refuse(status int, msg string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"code":%d,"msg":%q}`, status, msg)
	}
}

// frames accepts the upgrade and sends frames; then it closes with code,
// or, when code is 0, keeps the connection until the client leaves.
func frames(code websocket.StatusCode, fs ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer conn.CloseNow()
		for _, f := range fs {
			if err := conn.Write(r.Context(), websocket.MessageText, []byte(f)); err != nil {
				return
			}
		}
		if code != 0 {
			conn.Close(code, "")
			return
		}
		for {
			if _, _, err := conn.Read(context.Background()); err != nil {
				return
			}
		}
	}
}

// replyFrame is a reply frame of cid c1 exactly as the hub writes it.
func replyFrame(seq int, offset string, isEnd bool) string {
	return fmt.Sprintf(`{"type":"reply","cid":"c1","seq":%d,"isEnd":%v,"code":0,"msg":"","data":{"n":%d},"offset":%q,"at":"2026-01-01T00:00:00.123Z"}`,
		seq, isEnd, seq, offset)
}
