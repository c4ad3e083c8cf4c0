package main

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// monitor counts a redis-server's commands through MONITOR (redis-cli
// monitor, a process of its own): by name, those clients sent and those
// scripts ran, between the bench's first and second INFO commandstats on
// that server. MONITOR slows Redis, so only -monitor runs one. stop ends
// it; the counts are read after stop.
type monitor struct {
	cmd      *exec.Cmd
	stopped  sync.Once
	done     chan struct{} // the reader has returned
	ended    chan struct{} // the second INFO commandstats was seen
	sent     map[string]int
	scripted map[string]int
}

func startMonitor(addr string) (*monitor, error) {
	host, port, _ := net.SplitHostPort(addr)
	m := &monitor{cmd: exec.Command("redis-cli", "-h", host, "-p", port, "monitor"), done: make(chan struct{}),
		ended: make(chan struct{}), sent: map[string]int{}, scripted: map[string]int{}}
	out, err := m.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := m.cmd.Start(); err != nil {
		return nil, fmt.Errorf("redis-cli monitor: %w", err)
	}
	r := bufio.NewReaderSize(out, 1<<20)
	if line, err := r.ReadString('\n'); err != nil || strings.TrimSpace(line) != "OK" {
		_ = m.cmd.Process.Kill()
		_ = m.cmd.Wait()
		return nil, fmt.Errorf("redis-cli monitor on %s said %q: %v", addr, line, err)
	}
	go func() {
		defer close(m.done)
		m.count(bufio.NewScanner(r))
	}()
	return m, nil
}

// count reads the MONITOR stream until it ends.
func (m *monitor) count(sc *bufio.Scanner) {
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	window := 0 // 0 before the first INFO commandstats, 1 in the window, 2 after
	for sc.Scan() {
		src, name, ok := monitorLine(sc.Text())
		switch {
		case !ok:
		case name == "info":
			if strings.Contains(sc.Text(), `"commandstats"`) {
				if window++; window == 2 {
					close(m.ended)
				}
			}
		case window != 1:
		case src == "lua":
			m.scripted[name]++
		default:
			m.sent[name]++
		}
	}
}

// stop waits (a few seconds at most) until the window's end has been read,
// then ends redis-cli. It may be called more than once.
func (m *monitor) stop() {
	m.stopped.Do(func() {
		select {
		case <-m.ended:
		case <-time.After(10 * time.Second):
		}
		_ = m.cmd.Process.Kill()
		<-m.done
		_ = m.cmd.Wait()
	})
}

// monitors are the monitors of a measurement, one per redis-server.
type monitors []*monitor

// startMonitors starts one on each of addrs; stop ends them.
func startMonitors(addrs []string) (monitors, error) {
	var ms monitors
	for _, a := range addrs {
		m, err := startMonitor(a)
		if err != nil {
			ms.stop()
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, nil
}

func (ms monitors) stop() {
	for _, m := range ms {
		m.stop()
	}
}

// count stops the monitors and puts what they counted, per cycle of n,
// in s.
func (ms monitors) count(s *cycleSample, n int) {
	ms.stop()
	sent, scripted := map[string]int{}, map[string]int{}
	for _, m := range ms {
		for name, k := range m.sent {
			sent[name] += k
		}
		for name, k := range m.scripted {
			scripted[name] += k
		}
	}
	s.Sent = round(float64(callsAmong(sent, nil))/float64(max(n, 1)), 1)
	s.SentByCommand, s.ScriptedByCommand = perCycle(sent, n), perCycle(scripted, n)
}

// monitorLine reads a MONITOR line, `1700000000.123456 [0 127.0.0.1:4242]
// "EVALSHA" "…"`: the command's source (a client's address, or lua for
// a script) and its name, in lower case.
func monitorLine(line string) (src, name string, ok bool) {
	_, rest, ok := strings.Cut(line, " [")
	if !ok {
		return "", "", false
	}
	head, rest, ok := strings.Cut(rest, `] "`)
	if !ok {
		return "", "", false
	}
	_, src, _ = strings.Cut(head, " ")
	name, _, _ = strings.Cut(rest, `"`)
	return src, strings.ToLower(name), true
}
