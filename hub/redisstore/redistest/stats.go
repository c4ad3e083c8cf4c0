package redistest

import (
	"context"
	"strconv"
	"strings"
)

// CommandCalls reads INFO commandstats: calls by command name ("evalsha",
// "spublish", ...), since the start or the last CONFIG RESETSTAT.
func (s *Server) CommandCalls() map[string]int {
	s.tb.Helper()
	info, err := s.Client().Info(context.Background(), "commandstats").Result()
	if err != nil {
		s.tb.Fatalf("INFO commandstats of %s: %v", s.Addr, err)
	}
	out := map[string]int{}
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":calls=")
		if !ok {
			continue
		}
		n, _ := strconv.Atoi(strings.SplitN(rest, ",", 2)[0])
		out[strings.TrimPrefix(name, "cmdstat_")] = n
	}
	return out
}

// SlotOf is the Cluster hash slot of key, as the cluster computes it.
func (c *Cluster) SlotOf(key string) int {
	c.tb.Helper()
	slot, err := c.running().Client().ClusterKeySlot(context.Background(), key).Result()
	if err != nil {
		c.tb.Fatalf("CLUSTER KEYSLOT %s: %v", key, err)
	}
	return int(slot)
}
