package redistest

import (
	"fmt"
	"net"
	"strconv"
	"testing"
)

// StartClusterBehindProxies is StartCluster with a Proxy in front of
// each node (proxies[i] before c.Nodes[i]): each node announces its
// proxy's address to clients, so every client connection passes through
// it, while the nodes talk among themselves (the cluster bus) directly.
// A test can then tamper with what one node sends its clients.
func StartClusterBehindProxies(tb testing.TB, masters, replicas int, extra ...string) (c *Cluster, proxies []*Proxy) {
	tb.Helper()
	c = &Cluster{tb: tb}
	for range masters * (1 + replicas) {
		s := &Server{Addr: freeAddr(tb), tb: tb, bin: Binary(tb), dir: tb.TempDir()}
		px := StartProxy(tb, s.Addr)
		_, port, _ := net.SplitHostPort(s.Addr)
		_, pxPort, _ := net.SplitHostPort(px.Addr)
		bus, _ := strconv.Atoi(port)
		s.args = append(append(clusterArgs(), extra...), "--cluster-announce-port", pxPort,
			"--cluster-announce-bus-port", fmt.Sprint(bus+10000))
		s.announced = px.Addr
		s.Start()
		tb.Cleanup(s.Stop)
		c.Nodes = append(c.Nodes, s)
		proxies = append(proxies, px)
	}
	c.create(masters, replicas)
	return c, proxies
}
