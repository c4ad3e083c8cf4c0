package api

import (
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
)

// HTTPServer returns the http.Server for s, with its connection limits:
// a request head must arrive within ReadTimeout, a kept-alive connection
// waits at most IdleTimeout for its next request. While a handler reads a
// request body, no wait for its next bytes may exceed ReadTimeout (see
// readDeadline), so a slow but moving upload goes on. None of these
// applies once a handler streams (WebSocket, SSE, long-poll): net/http
// clears the connection's read deadline when the body ends or the
// connection is hijacked. errorLog may be nil. Serve it on Listener(ln).
func (s *Server) HTTPServer(errorLog *log.Logger) *http.Server {
	return &http.Server{Handler: s.Handler(), ReadHeaderTimeout: s.readTimeout, IdleTimeout: s.idleTimeout,
		ErrorLog: errorLog}
}

// unreadGrace bounds the reading of a body its handler left unread.
const unreadGrace = 250 * time.Millisecond

// readDeadline gives every read of a request body a deadline of
// readTimeout from its start: a client that stops sending is cut off
// (its body read fails, a 400), one that keeps sending goes on. Once the
// handler is done, what it left unread of the body (a 401 before
// authentication, a 404) is read by nobody: net/http would read up to
// 256 KiB of it, with no deadline, before sending the answer and again
// before closing, so a client that stalls its body would hold the answer
// and the connection forever. Its deadline is unreadGrace from then
// instead: a client still sending has that long to get the 256 KiB net/http
// reads through (so the answer reaches it before the connection closes,
// not a reset), a stalled one gets the answer then and the connection
// closes.
func (s *Server) readDeadline(c *gin.Context) {
	if c.Request.Body == nil || c.Request.Body == http.NoBody || c.Request.ContentLength == 0 {
		c.Next()
		return
	}
	b := &deadlineBody{ReadCloser: c.Request.Body, rc: *http.NewResponseController(c.Writer), d: s.readTimeout}
	c.Request.Body = b
	c.Next()
	if !b.done.Load() && !c.IsWebsocket() { // a WebSocket's connection outlives its handler
		_ = b.rc.SetReadDeadline(time.Now().Add(min(unreadGrace, s.readTimeout)))
	}
}

type deadlineBody struct {
	io.ReadCloser
	rc   http.ResponseController // by value: one allocation per request, not two
	d    time.Duration
	done atomic.Bool // the body was read to its end
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	// Unsupported (HTTP/2) means the server's own limits apply.
	_ = b.rc.SetReadDeadline(time.Now().Add(b.d))
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.done.Store(true)
	}
	return n, err
}

// Listener wraps ln so that one client address holds at most
// MaxConnsPerClient connections at a time: one more is answered 503 and
// closed. With no cap it returns ln. Behind a proxy every client has the
// proxy's address.
func (s *Server) Listener(ln net.Listener) net.Listener {
	if s.maxConnsPerClient <= 0 {
		return ln
	}
	return &capListener{Listener: ln, max: s.maxConnsPerClient, open: map[string]int{}}
}

// capListener counts each client address's open connections.
type capListener struct {
	net.Listener
	max  int
	mu   sync.Mutex
	open map[string]int
}

// tooMany is the whole answer to a connection over the cap.
var tooMany = func() string {
	body := `{"code":503,"msg":"too many connections from this address; retry later"}` + "\n"
	return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}()

func (l *capListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		host := clientHost(c)
		if l.take(host) {
			return &countedConn{Conn: c, release: func() { l.release(host) }}, nil
		}
		// A fresh socket's send buffer takes these few bytes at once;
		// the deadline only guards against the impossible.
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = io.WriteString(c, tooMany)
		c.Close()
	}
}

func clientHost(c net.Conn) string {
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

func (l *capListener) take(host string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[host] >= l.max {
		return false
	}
	l.open[host]++
	return true
}

func (l *capListener) release(host string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[host]--; l.open[host] <= 0 {
		delete(l.open, host)
	}
}

// countedConn gives its slot back when it is closed, once, whoever closes
// it (the server, or a handler that hijacked it).
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}
