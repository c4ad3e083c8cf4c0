package redistest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Sentinel is a master, its replicas and the sentinels that watch them,
// all private processes on loopback. The sentinels call the master down
// after 500ms, so a failover takes a few seconds.
type Sentinel struct {
	Name      string // the master name the sentinels monitor
	Master    *Server
	Replicas  []*Server
	Sentinels []*Server
	tb        testing.TB
}

// StartSentinel starts a master, replicas replicas and sentinels
// sentinels (quorum: a majority), and waits until every sentinel knows
// every replica and the other sentinels. Every process is stopped at
// cleanup.
func StartSentinel(tb testing.TB, replicas, sentinels int) *Sentinel {
	tb.Helper()
	bin := binary(tb, "redis-sentinel")
	fast := []string{"--repl-diskless-sync-delay", "0"}
	st := &Sentinel{Name: "callhub-test", Master: Start(tb, fast...), tb: tb}
	host, port, _ := strings.Cut(st.Master.Addr, ":")
	for range replicas {
		st.Replicas = append(st.Replicas, Start(tb, append(fast, "--replicaof", host, port)...))
	}
	for range sentinels {
		dir := tb.TempDir()
		conf := filepath.Join(dir, "sentinel.conf")
		body := fmt.Sprintf("sentinel monitor %[1]s %[2]s %[3]s %[4]d\n"+
			"sentinel down-after-milliseconds %[1]s 500\nsentinel failover-timeout %[1]s 5000\n"+
			"sentinel parallel-syncs %[1]s %[5]d\n", st.Name, host, port, sentinels/2+1, max(replicas, 1))
		if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
			tb.Fatal(err)
		}
		s := &Server{Addr: freeAddr(tb), tb: tb, bin: bin, dir: dir, conf: conf}
		s.Start()
		tb.Cleanup(s.Stop)
		st.Sentinels = append(st.Sentinels, s)
	}
	st.waitKnown(replicas, sentinels)
	return st
}

// Addrs are the sentinels' addresses.
func (st *Sentinel) Addrs() []string {
	out := make([]string, len(st.Sentinels))
	for i, s := range st.Sentinels {
		out[i] = s.Addr
	}
	return out
}

// MasterAddr is the master's address as the first sentinel says.
func (st *Sentinel) MasterAddr() string {
	st.tb.Helper()
	addr, err := st.Sentinels[0].Client().Do(context.Background(),
		"SENTINEL", "GET-MASTER-ADDR-BY-NAME", st.Name).StringSlice()
	if err != nil || len(addr) != 2 {
		st.tb.Fatalf("sentinel get-master-addr-by-name: %v %v", addr, err)
	}
	return addr[0] + ":" + addr[1]
}

// waitKnown waits until every sentinel lists the replicas in sync and
// the other sentinels, so a failover can be voted and finds replicas.
func (st *Sentinel) waitKnown(replicas, sentinels int) {
	st.tb.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	for _, s := range st.Sentinels {
		for {
			rs, err1 := s.Client().Do(ctx, "SENTINEL", "REPLICAS", st.Name).Slice()
			ss, err2 := s.Client().Do(ctx, "SENTINEL", "SENTINELS", st.Name).Slice()
			if err1 == nil && err2 == nil && len(rs) == replicas && len(ss) == sentinels-1 {
				break
			}
			if time.Now().After(deadline) {
				st.tb.Fatalf("sentinel %s knows %d replicas and %d sentinels within 60s, want %d and %d (%v %v)",
					s.Addr, len(rs), len(ss), replicas, sentinels-1, err1, err2)
			}
			time.Sleep(50 * time.Millisecond) // polling processes that converge on their own
		}
	}
}
