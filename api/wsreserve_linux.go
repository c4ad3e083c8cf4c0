package api

import (
	"math"
	"net"
	"syscall"
)

// tcpNotsentLowat is Linux's TCP_NOTSENT_LOWAT: a write blocks while
// more than this many bytes are queued but not yet sent.
const tcpNotsentLowat = 0x19

// holdRoom caps c's send buffer and the bytes queued unsent in it (see
// wsSendBufBytes), and returns what frees the room kept; nil when the
// socket cannot be set so.
func holdRoom(c net.Conn) (release func() bool) {
	rc := rawConn(c)
	if rc == nil {
		return nil
	}
	var err error
	cerr := rc.Control(func(fd uintptr) {
		if err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, wsSendBufBytes); err == nil {
			err = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, tcpNotsentLowat, wsUnsentBytes)
		}
	})
	if cerr != nil || err != nil {
		return nil
	}
	return func() bool {
		var err error
		cerr := rc.Control(func(fd uintptr) {
			// Setting it wakes a writer that waits on it.
			err = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, tcpNotsentLowat, math.MaxInt32)
		})
		return cerr == nil && err == nil
	}
}
