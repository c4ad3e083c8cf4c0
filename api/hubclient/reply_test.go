package hubclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/callhub/callhub/api/hubclient"
)

// replyHub records one POST /v1/replies/{cid} the way the hub reads it:
// JSON, or multipart with the JSON part "reply" and the file part "file".
type replyHub struct {
	auth, path, reply, fileName, fileType, file string
}

func (h *replyHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.auth, h.path = r.Header.Get("Authorization"), r.URL.EscapedPath()
	mr, err := r.MultipartReader()
	if err != nil { // plain JSON
		b, _ := io.ReadAll(r.Body)
		h.reply = string(b)
	}
	for err == nil {
		part, perr := mr.NextPart()
		if perr != nil {
			break
		}
		b, _ := io.ReadAll(part)
		switch part.FormName() {
		case "reply":
			h.reply = string(b)
		case "file":
			h.file, h.fileName, h.fileType = string(b), part.FileName(), part.Header.Get("Content-Type")
		}
	}
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"code":0,"msg":"stored","cid":"c1","seq":2,"offset":"5-0"}`)
}

func TestReplyFileIsMultipart(t *testing.T) {
	h := &replyHub{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	end := true
	ans, err := hubclient.New(srv.URL, "").ReplyFile(testContext(t), "c/1", "tok", hubclient.ReplyInput{Seq: 2, IsEnd: &end, Data: map[string]int{"n": 1}},
		`a "quoted" name.csv`, strings.NewReader("a,b\n1,2\n"))
	if err != nil || ans.Offset != "5-0" || ans.Seq != 2 {
		t.Fatalf("ReplyFile = %+v, %v", ans, err)
	}
	var in map[string]any
	if err := json.Unmarshal([]byte(h.reply), &in); err != nil || in["seq"] != 2.0 || in["isEnd"] != true {
		t.Errorf("reply part = %q, want the ReplyInput as JSON", h.reply)
	}
	if h.file != "a,b\n1,2\n" || h.fileName != `a "quoted" name.csv` || !strings.HasPrefix(h.fileType, "text/csv") {
		t.Errorf("file part = %q named %q (%s)", h.file, h.fileName, h.fileType)
	}
	if h.auth != "Bearer tok" || h.path != "/v1/replies/c%2F1" {
		t.Errorf("posted to %s with %q, want /v1/replies/c%%2F1 with the token", h.path, h.auth)
	}
}

// TestReplyFileReadError: a file that fails to read fails the reply.
func TestReplyFileReadError(t *testing.T) {
	srv := httptest.NewServer(&replyHub{})
	defer srv.Close()
	broken := io.MultiReader(strings.NewReader("part"), errReader{})
	_, err := hubclient.New(srv.URL, "").ReplyFile(testContext(t), "c1", "tok", hubclient.ReplyInput{}, "x.bin", broken)
	if !errors.Is(err, errDisk) {
		t.Errorf("ReplyFile with a failing file = %v, want errDisk", err)
	}
}

var errDisk = errors.New("disk on fire")

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errDisk }

func TestReplyErrorCarriesStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusConflict)
		io.WriteString(w, `{"code":409,"msg":"cid c1 has ended"}`)
	}))
	defer srv.Close()
	_, err := hubclient.New(srv.URL, "").Reply(testContext(t), "c1", "tok", hubclient.ReplyInput{Seq: 3})
	var he *hubclient.Error
	if !errors.As(err, &he) || he.Status != 409 || he.Msg != "cid c1 has ended" {
		t.Errorf("Reply = %v, want *Error 409 with the hub's msg", err)
	}
}

// TestRepliesReuseConnections: replies posted at once, round after
// round, with the default client reuse the connections of the round
// before instead of dialing new ones (http.DefaultClient keeps two).
func TestRepliesReuseConnections(t *testing.T) {
	const conc, rounds = 16, 4
	var dialed atomic.Int32
	var arrived sync.WaitGroup
	hub := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		arrived.Done()
		arrived.Wait() // the round's replies are all in flight at once
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, `{"code":0,"msg":"stored","cid":"c","seq":1}`)
	}))
	hub.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dialed.Add(1)
		}
	}
	hub.Start()
	defer hub.Close()
	r := &hubclient.Responder{URL: hub.URL + "/v1/replies/c", Token: "rt.x"}
	for range rounds {
		arrived.Add(conc)
		var wg sync.WaitGroup
		for range conc {
			wg.Go(func() {
				if _, err := r.Reply(context.Background(), hubclient.ReplyInput{Seq: 1}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	if n := dialed.Load(); n > conc+conc/2 {
		t.Errorf("%d rounds of %d replies at once dialed %d connections, want about %d", rounds, conc, n, conc)
	}
}

// TestReplyIsEndDefault: a ReplyInput without IsEnd is the cid's last
// reply, as its doc and the hub say, and the body says so explicitly;
// IsEnd false is sent as false.
func TestReplyIsEndDefault(t *testing.T) {
	h := &replyHub{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	no := false
	for _, tc := range []struct {
		in   hubclient.ReplyInput
		want any
	}{
		{hubclient.ReplyInput{Seq: 1}, true},
		{hubclient.ReplyInput{Seq: 1, IsEnd: &no}, false},
	} {
		if _, err := hubclient.New(srv.URL, "").Reply(testContext(t), "c1", "tok", tc.in); err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(h.reply), &got); err != nil {
			t.Fatal(err)
		}
		if v, ok := got["isEnd"]; !ok || v != tc.want {
			t.Errorf("Reply(IsEnd %v) posted %s, want isEnd %v", tc.in.IsEnd, h.reply, tc.want)
		}
	}
}
