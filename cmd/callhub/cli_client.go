package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/callhub/callhub/api/hubclient"
)

// defaultHub is the hub the client verbs talk to without --hub or
// CALLHUB_URL: dev mode's address.
const defaultHub = "http://127.0.0.1:8888"

// clientFlags are the flags every client verb takes.
type clientFlags struct {
	hub  string
	key  string
	json bool
}

// register adds --hub, --key and --json to fs, with defaults from the
// environment.
func (c *clientFlags) register(fs *flagSet, getenv func(string) string) {
	hub := getenv("CALLHUB_URL")
	if hub == "" {
		hub = defaultHub
	}
	c.hub = hub
	fs.Var(hubFlag{&c.hub}, "hub", "hub `URL` (env CALLHUB_URL)")
	c.key = getenv("CALLHUB_KEY")
	fs.Var(secretFlag{&c.key}, "key",
		"API `key`: a caller's for send, tail and cancel, the admin's for deliveries, endpoints and services (env CALLHUB_KEY)")
	fs.BoolVar(&c.json, "json", false, "print JSON for scripts: one document per result")
}

// hubFlag is the --hub flag: its value is printed (as --help's
// default) without the password a URL may carry, "user:xxxxx@host".
type hubFlag struct{ s *string }

func (f hubFlag) String() string {
	if f.s == nil {
		return ""
	}
	if u, err := url.Parse(*f.s); err == nil && u.User != nil {
		return u.Redacted()
	}
	return *f.s
}

func (f hubFlag) Set(v string) error {
	*f.s = v
	return nil
}

// secretFlag is a string flag whose value is never printed: --help shows
// no default for it, whatever the environment set (CI logs, shared
// screens).
type secretFlag struct{ s *string }

func (f secretFlag) String() string { return "" }

func (f secretFlag) Set(v string) error {
	*f.s = v
	return nil
}

// client returns a client of the hub --hub names; timeout bounds each
// call (0: none).
func (c *clientFlags) client(verb string, timeout time.Duration) (*hubClient, error) {
	u, err := url.Parse(c.hub)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usageErrorf(verb, "--hub must be an http(s) URL like %s, got %q", defaultHub, c.hub)
	}
	sdk := hubclient.New(strings.TrimSuffix(c.hub, "/"), c.key)
	sdk.HTTP = &http.Client{Timeout: timeout}
	return &hubClient{sdk: sdk}, nil
}

// hubClient is the Go SDK's client, with errors worded for the operator.
type hubClient struct{ sdk *hubclient.Client }

// hubError is a hub's non-2xx answer: its status and the envelope's msg.
type hubError struct {
	op     string // "GET /v1/deliveries"
	status int
	msg    string
}

func (e *hubError) Error() string {
	msg := e.msg
	if msg == "" {
		msg = http.StatusText(e.status)
	}
	switch e.status {
	case http.StatusUnauthorized: // the hub speaks HTTP; say what to do here
		msg += " (pass --key or set CALLHUB_KEY; tail also takes --token)"
	case http.StatusNotFound:
		if strings.Contains(msg, "page not found") || strings.HasPrefix(msg, "no route") {
			msg += " (is --hub the hub's base URL?)"
		}
	}
	return fmt.Sprintf("%s: hub answered %d: %s", e.op, e.status, msg)
}

// call sends method path with body (JSON, or nil) through the SDK and
// returns the answer of a 2xx, or a *hubError.
func (c *hubClient) call(ctx context.Context, method, path string, body any) (json.RawMessage, error) {
	raw, err := c.sdk.Call(ctx, method, path, body)
	return raw, c.opError(method+" "+strings.SplitN(path, "?", 2)[0], err)
}

// opError words an SDK error of op for the operator: a refusal as a
// *hubError, a network error without the URL, which the operator knows.
func (c *hubClient) opError(op string, err error) error {
	var he *hubclient.Error
	var refused *hubclient.RefusedError
	var ue *url.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &he):
		return &hubError{op: op, status: he.Status, msg: he.Msg}
	case errors.As(err, &refused):
		return &hubError{op: op, status: refused.Status, msg: refused.Msg}
	case errors.As(err, &ue):
		err = ue.Err
	}
	return fmt.Errorf("%s: %w", op, err)
}
