//go:build !linux

package api

import "net"

// holdRoom keeps no room outside Linux: a client that reads nothing is
// cut without a close frame (docs/protocol.md).
func holdRoom(net.Conn) (release func() bool) { return nil }
