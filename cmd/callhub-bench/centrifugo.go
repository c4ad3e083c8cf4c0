package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/coder/websocket"
)

// The Centrifugo baselines: with -centrifugo BIN, fanout measures the same
// load against a Centrifugo (v6) server in the same run, as the reference
// for "as cheap per message as the fastest real-time servers". Its channels
// keep a history with recovery on, as the hub keeps every reply and lets a
// subscriber resume from an offset (-centrifugo-history=false: plain
// pub/sub).
const (
	modeCentrifugo       = "centrifugo"        // memory engine
	modeCentrifugoRedis  = "centrifugo_redis"  // Redis engine, one node
	modeCentrifugoRedis2 = "centrifugo_redis2" // nodes A and B on one Redis: publish on A, subscribers on B
)

// centrifugoOf is the Centrifugo baseline each hub mode is compared with.
var centrifugoOf = map[string]string{modeMemory: modeCentrifugo, modeRedis1: modeCentrifugoRedis,
	modeRedis2: modeCentrifugoRedis2, modeCluster: modeCentrifugoRedis2}

// centrifugoTarget starts Centrifugo (on Redis when raddr is set; two
// nodes for centrifugo_redis2) with n channels.
func (b *bench) centrifugoTarget(mode, raddr string, pids []int, n int) (*target, error) {
	t := &target{mode: mode, pids: pids, centrifugo: true, ids: plainIDs(n)}
	nodes := 1
	if mode == modeCentrifugoRedis2 {
		nodes = 2
	}
	if err := b.startNodes(t, nodes, func() (string, error) { return b.centrifugo(raddr) }); err != nil {
		return nil, err
	}
	return t, nil
}

// centrifugo starts one Centrifugo node and returns its base URL. Clients
// connect and subscribe without tokens and the HTTP API needs no key: this
// is a loopback measurement, not a deployment.
func (b *bench) centrifugo(raddr string) (string, error) {
	addr, err := freeAddr()
	if err != nil {
		return "", err
	}
	host, p, _ := net.SplitHostPort(addr)
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", err
	}
	history := map[string]any{}
	if b.o.centrifugoHistory {
		history = map[string]any{"history_size": 1000, "history_ttl": "1h", "force_recovery": true}
	}
	cfg := map[string]any{
		"http_server": map[string]any{"address": host, "port": port},
		"log":         map[string]any{"level": "error"},
		"client":      map[string]any{"insecure": true},
		"http_api":    map[string]any{"insecure": true},
		"health":      map[string]any{"enabled": true},
		"usage_stats": map[string]any{"disabled": true},
		"prometheus":  map[string]any{"enabled": true}, // go_goroutines for idle-ws
		"channel":     map[string]any{"without_namespace": history},
	}
	if raddr != "" {
		cfg["engine"] = map[string]any{"type": "redis", "redis": map[string]any{"address": []string{"redis://" + raddr}}}
	}
	js, err := json.Marshal(cfg)
	if err != nil {
		return "", err
	}
	file := filepath.Join(b.dir, fmt.Sprintf("centrifugo-%d.json", len(b.procs)))
	if err := os.WriteFile(file, js, 0o600); err != nil {
		return "", err
	}
	cmd := exec.Command(b.o.centrifugo, "--config", file)
	cmd.Dir = b.dir
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start centrifugo: %w", err)
	}
	b.procs = append(b.procs, cmd)
	url := "http://" + addr
	return url, waitHTTP(url + "/health")
}

// centrifugoPublish is the HTTP API body that publishes a stamped message.
func centrifugoPublish(id string, data []byte) []byte {
	channel, _ := json.Marshal(id) // a string always encodes
	body := append([]byte(`{"channel":`), channel...)
	body = append(body, `,"data":`...)
	body = append(body, data...)
	return append(body, '}')
}

// centrifugoSubscribe connects conn and subscribes it to channel id, both
// commands in one message as the JSON protocol allows.
func centrifugoSubscribe(ctx context.Context, conn *websocket.Conn, id string) error {
	channel, _ := json.Marshal(id)
	cmd := append([]byte(`{"id":1,"connect":{}}`+"\n"+`{"id":2,"subscribe":{"channel":`), channel...)
	return conn.Write(ctx, websocket.MessageText, append(cmd, "}}"...))
}

// centrifugoPing is the server's ping, which a client answers with the same.
var centrifugoPing = []byte("{}")

// centrifugoPinged reports whether msg, one or more JSON objects a line,
// holds a ping: the server may send it in one message with publications.
func centrifugoPinged(msg []byte) bool {
	for line := range bytes.Lines(msg) {
		if bytes.Equal(bytes.TrimSuffix(line, []byte("\n")), centrifugoPing) {
			return true
		}
	}
	return false
}
