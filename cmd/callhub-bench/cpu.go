package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTick is USER_HZ, the unit of the times in /proc/<pid>/stat: 100 on
// every Linux architecture Go supports, so 10 ms per tick.
const clockTick = 10 * time.Millisecond

// cpuTime is the user + system CPU time the processes pids have used so
// far, all their threads included.
func cpuTime(pids []int) (time.Duration, error) {
	each, err := procCPUs(pids)
	var sum time.Duration
	for _, d := range each {
		sum += d
	}
	return sum, err
}

// procCPUs is procCPU of each of pids, in order.
func procCPUs(pids []int) ([]time.Duration, error) {
	each := make([]time.Duration, len(pids))
	for i, pid := range pids {
		var err error
		if each[i], err = procCPU(pid); err != nil {
			return nil, err
		}
	}
	return each, nil
}

// procCPU reads utime + stime (fields 14 and 15) of /proc/<pid>/stat.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read cpu time: %w", err)
	}
	// The command name (field 2) may hold spaces; fields after it are plain.
	f := bytes.Fields(b[bytes.LastIndexByte(b, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("read cpu time: short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("read cpu time: malformed /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// cpuMeter measures the CPU that server processes and the bench itself
// spend over a window.
type cpuMeter struct {
	pids  []int
	start []time.Duration // each server process's at the start
	self  time.Duration
}

func startCPU(pids []int) (*cpuMeter, error) {
	m := &cpuMeter{pids: pids}
	var err error
	if m.start, err = procCPUs(pids); err != nil {
		return nil, err
	}
	m.self, err = procCPU(os.Getpid())
	return m, err
}

// stop returns the servers' CPU time since start, in all and each
// process's (in pids' order), and the bench's.
func (m *cpuMeter) stop() (server time.Duration, each []time.Duration, self time.Duration, err error) {
	if each, err = procCPUs(m.pids); err != nil {
		return 0, nil, 0, err
	}
	for i := range each {
		each[i] -= m.start[i]
		server += each[i]
	}
	b, err := procCPU(os.Getpid())
	return server, each, b - m.self, err
}
