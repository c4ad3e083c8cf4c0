package redistest

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// CommandCalls reads INFO commandstats: calls by command name ("evalsha",
// "spublish", ...), since the start or the last CONFIG RESETSTAT.
func (s *Server) CommandCalls() map[string]int {
	s.tb.Helper()
	out := map[string]int{}
	for _, line := range strings.Split(s.info("commandstats"), "\n") {
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

// CPU reads INFO cpu: the CPU time, user and system, the server has used
// since it started.
func (s *Server) CPU() time.Duration {
	s.tb.Helper()
	var sec float64
	for _, line := range strings.Split(s.info("cpu"), "\n") {
		name, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && (name == "used_cpu_user" || name == "used_cpu_sys") {
			f, _ := strconv.ParseFloat(v, 64)
			sec += f
		}
	}
	return time.Duration(sec * float64(time.Second))
}

// info reads one section of INFO.
func (s *Server) info(section string) string {
	s.tb.Helper()
	info, err := s.Client().Info(context.Background(), section).Result()
	if err != nil {
		s.tb.Fatalf("INFO %s of %s: %v", section, s.Addr, err)
	}
	return info
}
