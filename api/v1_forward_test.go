package api_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/callhub/callhub/hub"
)

// Tests of what the service receives for a request, and how its answer
// comes back.

func TestSyncAnswerEnvelope(t *testing.T) {
	r := newRig(t, rigOptions{})
	status, m := r.raw("POST", "/v1/requests", "shop-key", map[string]any{"serviceId": "svc", "path": "/x"})
	if status != http.StatusOK {
		t.Fatalf("sync request = %d %v, want 200", status, m)
	}
	for _, k := range []string{"code", "msg", "cid", "seq", "status", "data"} {
		if _, ok := m[k]; !ok {
			t.Errorf("sync answer %v lacks %q", m, k)
		}
	}
	if _, ok := m["wsToken"]; ok {
		t.Errorf("sync answer %v carries a wsToken", m)
	}
	data, _ := m["data"].(map[string]any)
	if m["code"] != 0.0 || m["msg"] != "ok" || m["seq"] != 1.0 || m["status"] != 200.0 || data["ok"] != true {
		t.Errorf("sync answer = %v, want code 0, msg ok, seq 1, status 200, data {ok:true} decoded", m)
	}
}

func TestAsyncAnswerEnvelope(t *testing.T) {
	r := newRig(t, rigOptions{})
	status, m := r.raw("POST", "/v1/requests", "shop-key", map[string]any{"serviceId": "svc", "path": "/x", "async": true})
	if status != http.StatusAccepted {
		t.Fatalf("async request = %d %v, want 202", status, m)
	}
	tok, _ := m["wsToken"].(string)
	cid, _ := m["cid"].(string)
	if m["code"] != 0.0 || m["msg"] != "accepted" || m["seq"] != 1.0 || m["status"] != 200.0 || cid == "" || !strings.HasPrefix(tok, "wt.") {
		t.Errorf("async answer = %v, want code 0, msg accepted, seq 1, status 200, cid and wsToken", m)
	}
}

// TestForwardHeadersFiltered: hop-by-hop headers and Callhub-* headers a
// caller sends never reach the service, and the service's configured
// headers win over the caller's.
func TestForwardHeadersFiltered(t *testing.T) {
	r := newRig(t, rigOptions{})
	hop := []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "Te", "Trailer", "Upgrade"}
	headers := map[string]string{"X-Trace": "t1", "X-Access-Token": "forged", "callhub-cid": "forged",
		"Callhub-Reply-Token": "rt.forged", "Callhub-Reply-Url": "http://evil.example/", "Callhub-Extra": "x"}
	for _, h := range hop {
		headers[h] = "x-hop"
	}
	status, a := r.do("POST", "/v1/requests", "shop-key", map[string]any{"serviceId": "svc", "path": "/x", "headers": headers})
	if status != http.StatusOK {
		t.Fatalf("request = %d %+v", status, a)
	}
	req, _ := r.svc.last()
	for _, h := range append(hop, "Callhub-Extra") {
		if got := req.Header.Values(h); len(got) != 0 {
			t.Errorf("service saw %s = %q, want it dropped", h, got)
		}
	}
	want := map[string]string{"X-Trace": "t1", "X-Access-Token": "svc-token", "Callhub-Cid": a.CID,
		"Callhub-Reply-Token": (&hub.Tokens{Secret: []byte("test")}).ReplyToken(a.CID), "Callhub-Reply-Url": r.URL + "/v1/replies/" + a.CID}
	for k, v := range want {
		if got := req.Header.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("service saw %s = %q, want exactly %q", k, got, v)
		}
	}
}

// TestForwardCIDPlacement: cid travels in the query for GET, DELETE and
// JSON bodies, and as a form field in form bodies, next to the caller's
// own fields.
func TestForwardCIDPlacement(t *testing.T) {
	r := newRig(t, rigOptions{})
	tests := []struct {
		name        string
		req         map[string]any
		contentType string
		inQuery     []string // parameters expected in the query, besides cid
		cidInBody   bool
		body        string // exact body, when not a form
	}{
		{"DELETE form", map[string]any{"method": "DELETE", "form": map[string]any{"id": 7}}, "", []string{"id"}, false, ""},
		{"POST json", map[string]any{"method": "POST", "body": map[string]any{"a": []int{1, 2}}, "query": map[string]any{"v": "2"}},
			"application/json", []string{"v"}, false, `{"a":[1,2]}`},
		{"PUT form", map[string]any{"method": "PUT", "form": map[string]any{"name": "ann"}}, "application/x-www-form-urlencoded", nil, true, ""},
		{"PATCH nothing", map[string]any{"method": "PATCH"}, "application/x-www-form-urlencoded", nil, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req["serviceId"], tt.req["path"] = "svc", "/thing"
			status, a := r.do("POST", "/v1/requests", "shop-key", tt.req)
			if status != http.StatusOK {
				t.Fatalf("request = %d %+v", status, a)
			}
			req, body := r.svc.last()
			if req.Method != tt.req["method"] || req.Header.Get("Content-Type") != tt.contentType {
				t.Errorf("service saw %s with Content-Type %q, want %s with %q", req.Method, req.Header.Get("Content-Type"), tt.req["method"], tt.contentType)
			}
			q := req.URL.Query()
			for _, k := range tt.inQuery {
				if q.Get(k) == "" {
					t.Errorf("query %v lacks %s", q, k)
				}
			}
			form, _ := url.ParseQuery(body)
			switch {
			case tt.cidInBody && (form.Get("cid") != a.CID || q.Has("cid")):
				t.Errorf("form body %q, query %v: want cid=%s in the body only", body, q, a.CID)
			case !tt.cidInBody && q.Get("cid") != a.CID:
				t.Errorf("query %v, want cid=%s", q, a.CID)
			case tt.body != "" && body != tt.body:
				t.Errorf("body = %q, want %q", body, tt.body)
			case tt.name == "PUT form" && form.Get("name") != "ann":
				t.Errorf("form body %q lacks name=ann", body)
			}
		})
	}
}

func TestForwardMultiStep(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(map[string]any{"isEnd": false})
	b := r.async(map[string]any{"cid": a.CID, "seq": 2, "isEnd": false})
	if b.CID != a.CID || b.Seq != 2 || r.svc.hits() != 2 {
		t.Fatalf("step 2 = %+v after %d forwards, want cid %s seq 2, forwarded", b, r.svc.hits(), a.CID)
	}
	req, _ := r.svc.last()
	if req.Header.Get("Callhub-Cid") != a.CID || req.Header.Get("Callhub-Seq") != "2" || req.Header.Get("Callhub-Is-End") != "false" {
		t.Errorf("service saw step headers %v, want cid %s, seq 2, not the end", req.Header, a.CID)
	}
}

// TestForwardAnswerData: the service's body comes back as JSON when it
// says it is JSON and is, else as a string; its status passes through.
func TestForwardAnswerData(t *testing.T) {
	r := newRig(t, rigOptions{})
	tests := []struct {
		contentType, body string
		status            int
		want              string
	}{
		{"application/json", `{"a":[1,"b"]}`, 200, `{"a":[1,"b"]}`},
		{"application/problem+json; charset=utf-8", `{"title":"no"}`, 404, `{"title":"no"}`},
		{"application/json", `{"broken`, 200, `"{\"broken"`},
		{"text/plain", `42`, 201, `"42"`},
		{"", "", 204, `""`},
	}
	for _, tt := range tests {
		r.svc.mu.Lock()
		r.svc.answer = func(w http.ResponseWriter, _ *http.Request) {
			if tt.contentType != "" {
				w.Header().Set("Content-Type", tt.contentType)
			}
			w.WriteHeader(tt.status)
			io.WriteString(w, tt.body)
		}
		r.svc.mu.Unlock()
		status, a := r.do("POST", "/v1/requests", "shop-key", map[string]any{"serviceId": "svc", "path": "/x"})
		if status != http.StatusOK || a.Status != tt.status || string(a.Data) != tt.want {
			t.Errorf("service answering %d %q %q: hub = %d status %d data %s, want 200 status %d data %s",
				tt.status, tt.contentType, tt.body, status, a.Status, a.Data, tt.status, tt.want)
		}
	}
}
