package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestServeAppliesConnLimits: the binary bounds connections as its limits
// say: a stalled request head is cut off after limits.readTimeout, and one
// connection over limits.maxConnsPerClient is answered 503.
func TestServeAppliesConnLimits(t *testing.T) {
	p := startHub(t, "limits: {readTimeout: 300ms, maxConnsPerClient: 1}\n")
	// From an address of its own: the readiness probe's kept-alive
	// connection must not take 127.0.0.1's one slot.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	dial := func() net.Conn {
		t.Helper()
		c, err := d.Dial("tcp", strings.TrimPrefix(p.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(10 * time.Second))
		return c
	}
	stalled := dial()
	io.WriteString(stalled, "GET /healthz HTTP/1.1\r\n")
	over := dial()
	resp, err := http.ReadResponse(bufio.NewReader(over), nil)
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("second connection = %v %v, want 503", resp, err)
	}
	if _, err := io.Copy(io.Discard, stalled); errors.Is(err, os.ErrDeadlineExceeded) {
		t.Error("stalled head still open after 10s, want closed after limits.readTimeout")
	}
}

// TestServeAnswersStalledUnauthenticatedBody: the binary answers a
// request without a key whose body stalls (5 bytes of a declared 200000)
// at once with 401, and closes its connection, however long
// limits.readTimeout is.
func TestServeAnswersStalledUnauthenticatedBody(t *testing.T) {
	p := startHub(t, "callers: [{id: shop, apiKey: shop-key}]\nlimits: {readTimeout: 1h}\n")
	c, err := net.Dial("tcp", strings.TrimPrefix(p.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "POST /v1/requests HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"+
		"Content-Length: 200000\r\n\r\n{\"a\":")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("stalled body without a key = %v %v, want 401 at once", resp, err)
	}
	if _, err := io.Copy(io.Discard, br); errors.Is(err, os.ErrDeadlineExceeded) {
		t.Error("connection of a refused stalled body still open after 10s, want closed")
	}
}
