package hubclient_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/callhub/callhub/api/hubclient"
)

// forwarded is the headers the hub sets on a forwarded request.
func forwarded() http.Header {
	return http.Header{
		"Callhub-Cid":         {"c1"},
		"Callhub-Seq":         {"2"},
		"Callhub-Is-End":      {"true"},
		"Callhub-Caller":      {"shop"},
		"Callhub-Reply-Url":   {"http://127.0.0.1:8888/v1/replies/c1"},
		"Callhub-Reply-Token": {"rt"},
	}
}

func TestFromRequest(t *testing.T) {
	full := hubclient.Incoming{CID: "c1", Seq: 2, IsEnd: true, Caller: "shop", ReplyURL: "http://127.0.0.1:8888/v1/replies/c1", ReplyToken: "rt"}
	tests := []struct {
		name, header, value string // header set to value ("" deletes it)
		want                hubclient.Incoming
		ok                  bool
	}{
		{"all headers", "", "", full, true},
		{"first step of one", "Callhub-Seq", "", hubclient.Incoming{CID: "c1", IsEnd: true, Caller: "shop", ReplyURL: full.ReplyURL, ReplyToken: "rt"}, true},
		{"no cid", "Callhub-Cid", "", hubclient.Incoming{}, false},
		{"no token", "Callhub-Reply-Token", "", hubclient.Incoming{}, false},
		{"no reply url", "Callhub-Reply-Url", "", hubclient.Incoming{}, false},
		{"reply url not http", "Callhub-Reply-Url", "file:///etc/passwd", hubclient.Incoming{}, false},
		{"seq not a number", "Callhub-Seq", "two", hubclient.Incoming{}, false},
		{"is-end not a bool", "Callhub-Is-End", "maybe", hubclient.Incoming{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/work", nil)
			r.Header = forwarded()
			if tt.header != "" {
				r.Header.Del(tt.header)
				if tt.value != "" {
					r.Header.Set(tt.header, tt.value)
				}
			}
			got, err := hubclient.FromRequest(r)
			if !tt.ok {
				if !errors.Is(err, hubclient.ErrNotForwarded) {
					t.Errorf("FromRequest = %v, want ErrNotForwarded", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("FromRequest = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestServiceFuncRefusesDirectRequests(t *testing.T) {
	called := false
	h := hubclient.ServiceFunc(func(w http.ResponseWriter, r *http.Request, in hubclient.Incoming) { called = true })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/work", nil))
	if rec.Code != http.StatusBadRequest || called {
		t.Errorf("a request without Callhub-* headers = %d (handler called: %v), want 400", rec.Code, called)
	}
}

// TestResponderReplies: a Responder posts to the reply URL with the
// reply token, not to a base URL.
func TestResponderReplies(t *testing.T) {
	h := &replyHub{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	in := hubclient.Incoming{CID: "c1", ReplyURL: srv.URL + "/v1/replies/c1", ReplyToken: "rt"}
	if _, err := in.Responder(srv.Client()).Reply(testContext(t), hubclient.ReplyInput{Msg: "ok"}); err != nil {
		t.Fatal(err)
	}
	if h.auth != "Bearer rt" || h.path != "/v1/replies/c1" || h.reply != `{"isEnd":true,"msg":"ok"}` {
		t.Errorf("posted %q to %s with %q", h.reply, h.path, h.auth)
	}
}
