package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
)

// target is what the fanout and relay scenarios drive: where messages are
// posted, where subscribers connect, and whose CPU counts. For a hub the
// ids are cids of open async requests, each message a reply with the next
// seq; for a relay they are plain names.
type target struct {
	mode    string
	pub     string   // base URL messages are posted to
	sub     string   // base URL subscribers connect to
	ids     []string // cids or relay ids
	pids    []int    // server processes: redis-servers first, then hubs, Centrifugo nodes or the relay
	servers int      // how many of pids, at the end, are hubs, Centrifugo nodes or the relay

	hub        bool
	centrifugo bool           // a Centrifugo baseline: HTTP API publish, JSON protocol
	replyTo    []string       // hub: each cid's reply token
	wsToken    []string       // hub: each cid's ws token
	seqs       []atomic.Int64 // hub: each cid's last posted seq
}

// roles names t's processes, in pids' order, for the CPU each spends:
// "redis" ("redis 1", "redis 2"… for several), then "hub", "centrifugo"
// or "relay" ("hub A" where messages are posted and "hub B" where
// subscribers are, for two).
func (t *target) roles() []string {
	kind := "relay"
	if t.hub {
		kind = "hub"
	} else if t.centrifugo {
		kind = "centrifugo"
	}
	redis := numbered("redis", len(t.pids)-t.servers, func(i int) string { return strconv.Itoa(i + 1) })
	return append(redis, numbered(kind, t.servers, func(i int) string { return string(rune('A' + i)) })...)
}

// numbered names n processes of a kind: the kind alone for one, the kind
// and each one's label for several.
func numbered(kind string, n int, label func(i int) string) []string {
	if n == 1 {
		return []string{kind}
	}
	names := make([]string, n)
	for i := range names {
		names[i] = kind + " " + label(i)
	}
	return names
}

// stampKey marks the publish time (unix ns) in every message's data; 0
// marks a warm-up message.
const stampKey = `"bench_t":`

// request builds the POST of one message stamped at to id i.
func (t *target) request(ctx context.Context, i int, at int64) (*http.Request, error) {
	var body []byte
	path := "/relay/" + url.PathEscape(t.ids[i])
	if t.centrifugo {
		path = "/api/publish"
	}
	if t.hub {
		path = "/v1/replies/" + url.PathEscape(t.ids[i])
		body = strconv.AppendInt([]byte(`{"seq":`), t.seqs[i].Add(1), 10)
		body = append(body, `,"isEnd":false,"data":`...)
	}
	body = append(body, "{"+stampKey...)
	body = strconv.AppendInt(body, at, 10)
	body = append(body, '}')
	if t.hub {
		body = append(body, '}')
	}
	if t.centrifugo {
		body = centrifugoPublish(t.ids[i], body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.pub+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if t.hub {
		req.Header.Set("Authorization", "Bearer "+t.replyTo[i])
	}
	return req, nil
}

// wsURL is where a subscriber of id i connects.
func (t *target) wsURL(i int) string {
	base := "ws" + strings.TrimPrefix(t.sub, "http")
	if t.hub {
		return fmt.Sprintf("%s/v1/ws?cid=%s&token=%s", base, url.QueryEscape(t.ids[i]), url.QueryEscape(t.wsToken[i]))
	}
	if t.centrifugo {
		return base + "/connection/websocket"
	}
	return base + "/ws/" + url.PathEscape(t.ids[i])
}

// stamp reads the first publish time msg carries and returns the rest of
// msg after it (a Centrifugo message may carry several publications).
func stamp(msg []byte) (at int64, rest []byte, ok bool) {
	i := bytes.Index(msg, []byte(stampKey))
	if i < 0 {
		return 0, nil, false
	}
	rest = msg[i+len(stampKey):]
	for len(rest) > 0 && rest[0] >= '0' && rest[0] <= '9' {
		at = at*10 + int64(rest[0]-'0')
		rest = rest[1:]
	}
	return at, rest, true
}
