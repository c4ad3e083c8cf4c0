package api_test

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawExchange writes head+body on a fresh connection to the rig, half-closes
// it, and reads the answer.
func (r *rig) rawExchange(head, body string) *http.Response {
	r.t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(r.URL, "http://"))
	if err != nil {
		r.t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(wait))
	if _, err := conn.Write([]byte(head + body)); err != nil {
		r.t.Fatal(err)
	}
	conn.(*net.TCPConn).CloseWrite()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		r.t.Fatalf("read answer: %v", err)
	}
	resp.Body.Close()
	return resp
}

// TestMalformedBodyIsBadRequest checks that a body that cannot be read to
// its end (bad chunking, shorter than its Content-Length) is a 400 on every
// JSON endpoint, not an internal error.
func TestMalformedBodyIsBadRequest(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	const body = `{"serviceId":"svc","path":"/x"}`
	for _, path := range []string{"/v1/requests", "/v1/replies/" + a.CID} {
		key := "shop-key"
		if path != "/v1/requests" {
			key = r.replyToken()
		}
		head := "POST " + path + " HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer " + key + "\r\nContent-Type: application/json\r\n"
		cases := map[string]struct{ head, body string }{
			"garbage chunk size": {"Transfer-Encoding: chunked\r\n\r\n", "zz\r\n" + body + "\r\n0\r\n\r\n"},
			"short content":      {"Content-Length: 500\r\n\r\n", body},
		}
		for name, c := range cases {
			resp := r.rawExchange(head+c.head, c.body)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("POST %s with %s = %d, want 400", path, name, resp.StatusCode)
			}
		}
	}
}

// TestBadRequestNamesEveryField: one 400 names every wrong field, and an
// explicit seq 0 is one of them rather than read as "absent".
func TestBadRequestNamesEveryField(t *testing.T) {
	r := newRig(t, rigOptions{})
	tests := []struct {
		body   string
		fields []string
	}{
		{`{"method":"TRACE","path":"x","seq":0}`, []string{"serviceId", "method", "path", "seq"}},
		{`{"serviceId":"svc","path":"/x","seq":0}`, []string{"seq"}},
		{`{"serviceId":"svc","path":"/x","seq":-1,"timeoutMs":-1}`, []string{"seq", "timeoutMs"}},
		{`{"serviceId":"svc","path":"/x","timeoutMs":9223372036855}`, []string{"timeoutMs"}},
		{`{"serviceId":"svc","path":"/x","timeoutMs":86400001,"async":true}`, []string{"timeoutMs"}},
		{`{"serviceId":"svc","path":"/x","timeoutMs":9223372036855,"download":true}`, []string{"timeoutMs"}},
	}
	for _, tt := range tests {
		status, a := r.do("POST", "/v1/requests", "shop-key", tt.body)
		if status != http.StatusBadRequest {
			t.Errorf("POST %s = %d, want 400", tt.body, status)
		}
		for _, f := range tt.fields {
			if !strings.Contains(a.Msg, f+": ") {
				t.Errorf("POST %s: msg %q does not name %s", tt.body, a.Msg, f)
			}
		}
	}
	if status, a := r.do("POST", "/v1/requests", "shop-key", `{"serviceId":"svc","path":"/x"}`); status != http.StatusOK || a.Seq != 1 {
		t.Errorf("request without seq = %d seq %d, want 200 seq 1", status, a.Seq)
	}
}
