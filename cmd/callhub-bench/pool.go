package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// pool is an HTTP client that keeps at most conc connections alive and
// counts the connections it dials, so a scenario can show it reused them.
type pool struct {
	http  *http.Client
	dials atomic.Int64
}

func newPool(conc int) *pool {
	p := &pool{}
	d := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			p.dials.Add(1)
			return d.DialContext(ctx, network, addr)
		},
		MaxConnsPerHost:     conc,
		MaxIdleConnsPerHost: conc,
		IdleConnTimeout:     time.Minute,
	}
	p.http = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	return p
}

// do sends req and reads the answer to its end, so the connection goes
// back to the pool; it returns the status.
func (p *pool) do(req *http.Request) (int, error) {
	resp, err := p.http.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

func (p *pool) close() { p.http.CloseIdleConnections() }
