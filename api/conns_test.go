package api_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/api"
	"github.com/callhub/callhub/internal/testwait"
)

// short is the read and idle timeout of these tests.
const short = 300 * time.Millisecond

func limitedRig(t *testing.T, c api.Config) *rig {
	t.Helper()
	return newRig(t, rigOptions{conns: &c})
}

// rawConn dials the rig and bounds everything the test does with it.
func (r *rig) rawConn() net.Conn {
	r.t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(r.URL, "http://"))
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(wait))
	return conn
}

// closedByServer waits (within the connection's deadline) until the
// server closes conn, reading and discarding whatever it sends first.
func closedByServer(t *testing.T, conn net.Conn, what string) {
	t.Helper()
	_, err := io.Copy(io.Discard, conn)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("%s: the server kept the connection open for %s", what, wait)
	}
}

// TestStalledHeadClosed: a client that stops sending its request head is
// cut off after readTimeout.
func TestStalledHeadClosed(t *testing.T) {
	r := limitedRig(t, api.Config{ReadTimeout: short})
	conn := r.rawConn()
	io.WriteString(conn, "POST /v1/requests HTTP/1.1\r\nHost: hub\r\n")
	closedByServer(t, conn, "stalled head")
}

// TestStalledBodyCut: a client that stops sending its body is answered
// 400 and cut off after readTimeout.
func TestStalledBodyCut(t *testing.T) {
	r := limitedRig(t, api.Config{ReadTimeout: short})
	conn := r.rawConn()
	io.WriteString(conn, "POST /v1/requests HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer shop-key\r\n"+
		"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"serviceId\":")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("stalled body = %v %v, want 400", resp, err)
	}
	closedByServer(t, conn, "stalled body")
}

// stalledBody sends the head of method path with a body of 200000 bytes
// (below the 256 KiB net/http reads after a handler on its own), then 5
// bytes of it and nothing more, and returns the answer's status.
func (r *rig) stalledBody(conn net.Conn, method, path, auth string) (int, error) {
	r.t.Helper()
	head := method + " " + path + " HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n"
	if auth != "" {
		head += "Authorization: Bearer " + auth + "\r\n"
	}
	io.WriteString(conn, head+"\r\n{\"a\":")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// TestStalledBodyAnsweredAtOnce: a request answered before its body is
// read (no key, a wrong key, an unknown route, a handler that reads no
// body) is answered at once and its connection closed, however long
// readTimeout is: nothing waits for the rest of a body nobody reads.
func TestStalledBodyAnsweredAtOnce(t *testing.T) {
	r := limitedRig(t, api.Config{ReadTimeout: time.Hour})
	tests := []struct {
		method, path, auth string
		want               int
	}{
		{"POST", "/v1/requests", "", http.StatusUnauthorized},
		{"POST", "/v1/requests", "wrong-key", http.StatusUnauthorized},
		{"POST", "/v1/replies/0190a5d2-0000-7000-8000-000000000000", "", http.StatusUnauthorized},
		{"POST", "/msg", "", http.StatusUnauthorized},
		{"POST", "/v1/nowhere", "", http.StatusNotFound},
		{"POST", "/v1/deliveries/retry", "", http.StatusUnauthorized},
		{"POST", "/v1/deliveries/retry", "shop-key", http.StatusForbidden},
		{"GET", "/healthz", "", http.StatusOK},
	}
	for _, tt := range tests {
		conn := r.rawConn()
		status, err := r.stalledBody(conn, tt.method, tt.path, tt.auth)
		if err != nil || status != tt.want {
			t.Errorf("%s %s with a stalled body = %d %v, want %d at once", tt.method, tt.path, status, err, tt.want)
			continue
		}
		closedByServer(t, conn, tt.method+" "+tt.path+" with a stalled body")
	}
}

// TestIdleKeepAliveClosed: a kept-alive connection with no next request
// is closed after idleTimeout.
func TestIdleKeepAliveClosed(t *testing.T) {
	r := limitedRig(t, api.Config{IdleTimeout: short})
	conn := r.rawConn()
	io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /healthz = %v %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	if _, err := br.ReadByte(); errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("idle connection still open after %s", wait)
	}
}

// slowRequest sends a sync request whose body trickles in, a twelfth
// every short/6, for about twice readTimeout in all, and returns the
// status.
func (r *rig) slowRequest() int {
	r.t.Helper()
	body := `{"serviceId":"svc","path":"/slow","form":{"pad":"` + strings.Repeat("x", 12) + `"}}`
	conn := r.rawConn()
	io.WriteString(conn, "POST /v1/requests HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer shop-key\r\n"+
		"Content-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n")
	tick := time.NewTicker(short / 6) // the pace of the client under test, not a wait for the server
	defer tick.Stop()
	for i, n := 0, len(body)/12+1; i < len(body); i += n {
		<-tick.C
		if _, err := io.WriteString(conn, body[i:min(i+n, len(body))]); err != nil {
			r.t.Fatalf("slow body cut off after %d bytes: %v", i, err)
		}
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp.StatusCode
}

// TestSlowMovingUploadGoesOn: a body that keeps coming, each byte well
// within readTimeout, is read to its end however long it takes in all;
// meanwhile a WebSocket, an event stream and a long-poll, quiet for longer
// than both timeouts, stay open and get the next reply.
func TestSlowMovingUploadGoesOn(t *testing.T) {
	r := limitedRig(t, api.Config{ReadTimeout: short, IdleTimeout: short})
	a := r.async(nil)
	token := r.replyToken()
	conn := r.dial("cid="+a.CID+"&token="+a.WSToken, "")
	if f := readFrame(t, conn); f.Type != "subscribed" {
		t.Fatalf("first frame = %+v, want subscribed", f)
	}
	events := r.openSSE("/v1/requests/"+a.CID+"/events", "shop-key", "")
	polled := make(chan int, 1)
	go func() {
		status, _ := r.tryGet("/v1/requests/"+a.CID+"?wait=1m", "shop-key", &struct{}{})
		polled <- status
	}()
	if status := r.slowRequest(); status != http.StatusOK {
		t.Errorf("slow but moving request = %d, want 200", status)
	}
	r.mustReply(a.CID, token, map[string]any{"seq": 1, "isEnd": true})
	if f := readFrame(t, conn); f.Type != "reply" {
		t.Errorf("WebSocket after the quiet spell = %+v, want the reply", f)
	}
	if e := events.next(t); e.Event != "reply" {
		t.Errorf("event stream after the quiet spell = %+v, want the reply", e)
	}
	if status := <-polled; status != http.StatusOK {
		t.Errorf("long-poll after the quiet spell = %d, want 200", status)
	}
}

// TestMaxConnsPerClient: one connection over the cap is answered 503 and
// closed; a slot freed is taken again.
func TestMaxConnsPerClient(t *testing.T) {
	r := limitedRig(t, api.Config{MaxConnsPerClient: 2})
	var held []net.Conn
	for range 2 {
		conn := r.rawConn()
		io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n")
		if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err != nil || resp.StatusCode != 200 {
			t.Fatalf("connection within the cap: %v %v", resp, err)
		}
		held = append(held, conn)
	}
	extra := r.rawConn()
	resp, err := http.ReadResponse(bufio.NewReader(extra), nil)
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("connection over the cap = %v %v, want 503", resp, err)
	}
	closedByServer(t, extra, "connection over the cap")
	held[0].Close()
	testwait.Within(t, wait, "a connection to be taken again after one closed", func() bool {
		status, err := r.tryGet("/healthz", "", &struct{}{})
		return err == nil && status == 200
	})
}
