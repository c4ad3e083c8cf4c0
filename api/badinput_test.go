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

// TestBadInputMessages: a 400 names the field as the client wrote it —
// without Go's embedded struct names, with the key of a bad header, the
// multipart part, the query parameter — and says what it must be, never
// a Go type.
func TestBadInputMessages(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	token := r.replyToken()
	const boundary = "xyzzy"
	// parts is a multipart body of the given parts, each its headers
	// and its content.
	parts := func(ps ...[2]string) string {
		var b strings.Builder
		for _, p := range ps {
			b.WriteString("--" + boundary + "\r\n" + p[0] + "\r\n\r\n" + p[1] + "\r\n")
		}
		return b.String() + "--" + boundary + "--\r\n"
	}
	named := func(name string) string { return `Content-Disposition: form-data; name="` + name + `"` }
	file := [2]string{`Content-Disposition: form-data; name="file"; filename="a.txt"`, "hello"}
	const (
		seqWant     = "seq: must be an integer from 1 to 2147483647"
		seqZeroWant = "seq: must be ≥ 1; leave it out for the next one"
		requests    = "/v1/requests"
	)
	replies := "/v1/replies/" + a.CID
	tests := []struct {
		name, method, path, body string
		multipart                bool
		msg                      string
	}{
		{"array body", "POST", requests, `[]`, false, "body: must be a JSON object, got JSON array"},
		{"number body", "POST", requests, `1`, false, "body: must be a JSON object, got JSON number"},
		{"string body", "POST", requests, `"x"`, false, "body: must be a JSON object, got JSON string"},
		{"serviceId type", "POST", requests, `{"serviceId":7,"path":"/x"}`, false, "serviceId: must be a string, got JSON number"},
		{"callback.url type", "POST", requests, `{"serviceId":"svc","path":"/x","callback":{"url":1}}`, false, "callback.url: must be a string, got JSON number"},
		{"callback type", "POST", requests, `{"serviceId":"svc","path":"/x","callback":[]}`, false, "callback: must be a JSON object, got JSON array"},
		{"header value type", "POST", requests, `{"serviceId":"svc","path":"/x","headers":{"X-Ok":"a","X-Trace":7}}`, false, "headers.X-Trace: must be a string, got JSON number"},
		{"invalid headers", "POST", requests, `{"serviceId":"svc","path":"/x","headers":{"X b":"1","X-Ok":"a","Y\u0000":"2"}}`, false,
			"headers.X b: not a valid header name and value; headers.Y\x00: not a valid header name and value"},
		{"headers type", "POST", requests, `{"serviceId":"svc","path":"/x","headers":["X-Trace"]}`, false, "headers: must be a JSON object, got JSON array"},
		{"async type", "POST", requests, `{"serviceId":"svc","path":"/x","async":1}`, false, "async: must be true or false, got JSON number"},
		{"request seq fraction", "POST", requests, `{"serviceId":"svc","path":"/x","seq":1.5}`, false, seqWant},
		{"request seq exponent", "POST", requests, `{"serviceId":"svc","path":"/x","seq":1e3}`, false, seqWant},
		{"request seq overflow", "POST", requests, `{"serviceId":"svc","path":"/x","seq":9223372036854775808}`, false, seqWant},
		{"request seq string", "POST", requests, `{"serviceId":"svc","path":"/x","seq":"1"}`, false, seqWant + ", got JSON string"},
		{"timeoutMs fraction", "POST", requests, `{"serviceId":"svc","path":"/x","timeoutMs":1.5}`, false, "timeoutMs: must be an integer from 0 to 86400000"},
		{"timeoutMs overflow", "POST", requests, `{"serviceId":"svc","path":"/x","timeoutMs":9223372036854775808}`, false,
			"timeoutMs: must be an integer from 0 to 86400000"},
		{"reply array", "POST", replies, `[]`, false, "body: must be a JSON object, got JSON array"},
		{"reply null", "POST", replies, ` null`, false, "body: must be a JSON object, got JSON null"},
		{"unknown field", "POST", requests, `{"serviceId":"svc","path":"/x","nope":1}`, false, "nope: unknown field"},
		{"unknown nested field", "POST", requests, `{"serviceId":"svc","path":"/x","callback":{"url":"/cb","foo":1}}`, false, "callback.foo: unknown field"},
		{"unknown reply field", "POST", replies, `{"seq":1,"isEnd":false,"extra":{}}`, false, "extra: unknown field"},
		{"request null", "POST", requests, `null`, false, "body: must be a JSON object, got JSON null"},
		{"reply seq zero", "POST", replies, `{"seq":0,"isEnd":false}`, false, seqZeroWant},
		{"reply seq zero, slow path", "POST", replies, `{"seq":0,"msg":"\u00e9"}`, false, seqZeroWant},
		{"reply seq fraction", "POST", replies, `{"seq":1.5}`, false, seqWant},
		{"reply seq exponent", "POST", replies, `{"seq":1e3}`, false, seqWant},
		{"reply seq overflow", "POST", replies, `{"seq":9223372036854775808}`, false, seqWant},
		{"reply code fraction", "POST", replies, `{"code":1.5}`, false, "code: must be an integer"},
		{"reply code exponent", "POST", replies, `{"code":1e3}`, false, "code: must be an integer"},
		{"reply code overflow", "POST", replies, `{"code":9223372036854775808}`, false,
			"code: must be an integer from -9223372036854775808 to 9223372036854775807"},
		{"since", "GET", "/v1/requests/" + a.CID + "/events?since=abc", "", false, `since: malformed offset "abc"`},
		{"request part malformed", "POST", requests, parts([2]string{named("request"), `{bad`}, file), true,
			"request: malformed JSON at byte 2: invalid character 'b' looking for beginning of object key string"},
		{"request part array", "POST", requests, parts([2]string{named("request"), `[]`}, file), true,
			"request: must be a JSON object, got JSON array"},
		{"request part header", "POST", requests, parts([2]string{named("request"), `{"serviceId":"svc","path":"/x","headers":{"X-Trace":true}}`}, file), true,
			"headers.X-Trace: must be a string, got JSON bool"},
		{"reply part malformed", "POST", replies, parts([2]string{named("reply"), `{bad`}, file), true,
			"reply: malformed JSON at byte 2: invalid character 'b' looking for beginning of object key string"},
		{"reply part seq", "POST", replies, parts([2]string{named("reply"), `{"seq":1.5}`}, file), true, seqWant},
		{"reply part seq zero", "POST", replies, parts([2]string{named("reply"), `{"seq":0}`}, file), true, seqZeroWant},
		{"request part without a name", "POST", requests, parts([2]string{named(""), `{}`}), true, `part: unnamed part: want "request" and "file"`},
		{"request part without disposition", "POST", requests, parts([2]string{"Content-Type: application/json", `{}`}), true,
			`part: unnamed part: want "request" and "file"`},
		{"reply part without a name", "POST", replies, parts([2]string{named(""), `{}`}), true, `part: unnamed part: want "reply" and "file"`},
		{"unknown part", "POST", requests, parts([2]string{named("extra"), `{}`}), true, `extra: unknown part: want "request" and "file"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "shop-key"
			if strings.HasPrefix(tt.path, "/v1/replies/") {
				key = token
			}
			var status int
			var ans answer
			if tt.multipart {
				status, ans = r.postMultipart(tt.path, key, strings.NewReader(tt.body), "multipart/form-data; boundary="+boundary)
			} else {
				var body any
				if tt.body != "" {
					body = tt.body
				}
				status, ans = r.do(tt.method, tt.path, key, body)
			}
			if status != http.StatusBadRequest || ans.Msg != tt.msg {
				t.Errorf("%s %s %q = %d %q, want 400 %q", tt.method, tt.path, tt.body, status, ans.Msg, tt.msg)
			}
		})
	}
}
