package demo_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callhub/callhub/hub/demo"
)

func TestEcho(t *testing.T) {
	d := &demo.Service{}
	defer d.Close()
	srv := httptest.NewServer(d)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/echo?x=1", "application/x-www-form-urlencoded", strings.NewReader("cid=c1&a=b"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Method string              `json:"method"`
		Query  map[string][]string `json:"query"`
		Form   map[string][]string `json:"form"`
		CID    string              `json:"cid"`
	}
	json.NewDecoder(resp.Body).Decode(&got)
	if got.Method != "POST" || got.Query["x"][0] != "1" || got.Form["a"][0] != "b" || got.CID != "c1" {
		t.Errorf("echo = %+v", got)
	}
}

func TestAsyncPostsReplies(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	done := make(chan struct{})
	hubSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer tok" {
			t.Errorf("reply without the reply token: %q", r.Header.Get("Authorization"))
		}
		bodies = append(bodies, string(b))
		if len(bodies) == 3 {
			close(done)
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer hubSrv.Close()
	d := &demo.Service{}
	defer d.Close()
	srv := httptest.NewServer(d)
	defer srv.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/async?replies=3&delayMs=1", nil)
	req.Header.Set("Callhub-Reply-Url", hubSrv.URL+"/v1/replies/c1")
	req.Header.Set("Callhub-Reply-Token", "tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("async = %v %v", resp, err)
	}
	resp.Body.Close()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("replies not posted")
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(bodies[2], `"isEnd":true`) || !strings.Contains(bodies[0], `"isEnd":false`) || !strings.Contains(bodies[1], `"n":2`) {
		t.Errorf("replies = %v, want seq 1..3, the last isEnd", bodies)
	}
	resp, _ = http.Get(srv.URL + "/async?replies=lots")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad replies param = %d, want 400", resp.StatusCode)
	}
	resp.Body.Close()
}
