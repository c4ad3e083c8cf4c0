package api

import (
	"bufio"
	"net"
	"syscall"

	"github.com/gin-gonic/gin"
)

// A close frame travels behind every frame already written, so a client
// that reads nothing can be sent one only if its connection keeps room
// for it. Where the kernel allows (holdRoom), a WebSocket's send buffer
// is capped at wsSendBufBytes and the writer may queue at most
// wsUnsentBytes in it: a write to a silent client blocks with the rest
// of the buffer free. To close such a client, the writer frees that room
// (its release) and the frame it was stuck in, then the 1013 close,
// go into it; the client reads them whenever it reads again.
const (
	wsSendBufBytes = 4 << 20
	wsUnsentBytes  = 256 << 10
)

// captureConn is the writer a WebSocket is accepted through: it keeps the
// connection its Hijack hands over. It is a gin.ResponseWriter, whose
// WriteHeaderNow the WebSocket library calls before it hijacks.
type captureConn struct {
	gin.ResponseWriter
	conn net.Conn
}

// Hijack hands the WebSocket library buffers sized for the protocol's
// frames instead of net/http's 4 KiB each, which an idle connection
// would hold for good: a client sends a few small frames, and a frame up
// to wsWriteBufBytes still goes out in one write (a larger one in two,
// as one past 4 KiB did). Bytes a client sent behind its upgrade request
// keep net/http's reader, which holds them.
func (w *captureConn) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := w.ResponseWriter.Hijack()
	w.conn = c
	if err != nil {
		return c, brw, err
	}
	r, wr := brw.Reader, brw.Writer
	if r.Buffered() == 0 {
		r = bufio.NewReaderSize(c, wsReadBufBytes)
	}
	if wr.Buffered() == 0 {
		wr = bufio.NewWriterSize(c, wsWriteBufBytes)
	}
	return c, bufio.NewReadWriter(r, wr), nil
}

// A WebSocket's read and write buffers (see Hijack).
const (
	wsReadBufBytes  = 256
	wsWriteBufBytes = 512
)

// rawConn is the socket of c, seen through the hub's own wrappers; nil
// when it has none (a TLS connection, a test pipe).
func rawConn(c net.Conn) syscall.RawConn {
	if cc, ok := c.(*countedConn); ok {
		c = cc.Conn
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}
