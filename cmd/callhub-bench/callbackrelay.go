package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// The callback relay is the floor of the callbacks scenario: the least a
// hub on this stack does per callback in memory. It takes POST
// /v1/replies/{cid} as the hub does (gin, the body read, 202 and a JSON
// answer), and a pool of workers POSTs each reply to the receiver as a
// callback: a JSON body with the cid and the reply, signed as the hub
// signs (HMAC-SHA256, Standard Webhooks headers), on kept-alive
// connections. Nothing is stored, retried or ordered. It runs in a
// process of its own (this binary with -serve-callback-relay), so its CPU
// is told apart from the bench's, which posts the replies and receives
// the callbacks.

// relayKey keys the relay's signatures: any 32 bytes.
var relayKey = bytes.Repeat([]byte("k"), 32)

// relayAnswer is what the relay answers a reply, a stored reply's size.
var relayAnswer = []byte(`{"cid":"","seq":1,"offset":"1733520000000-0"}`)

// serveCallbackRelay relays replies taken on addr to receiver as
// callbacks, from conc workers, until ctx ends.
func serveCallbackRelay(ctx context.Context, addr, receiver string, conc int) error {
	queue := make(chan []byte, 1<<16) // a full queue holds the replies back
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = conc
	tr.DisableCompression = true // as the hub's callback transport
	cl := &http.Client{Transport: tr}
	macs := sync.Pool{New: func() any { return hmac.New(sha256.New, relayKey) }}
	work, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for {
				select {
				case body := <-queue:
					_ = relayCallback(work, cl, &macs, receiver, body) // a floor: a failed callback is not retried
				case <-work.Done():
					return
				}
			}
		})
	}
	err := serveGin(ctx, addr, func(e *gin.Engine) {
		e.POST("/v1/replies/:cid", func(c *gin.Context) {
			reply, err := io.ReadAll(c.Request.Body)
			if err != nil {
				c.Status(http.StatusBadRequest)
				return
			}
			body := make([]byte, 0, len(reply)+96)
			body = append(append(append(body, `{"type":"reply","cid":"`...), c.Param("cid")...), `","reply":`...)
			select {
			case queue <- append(append(body, reply...), '}'):
				c.Data(http.StatusAccepted, "application/json", relayAnswer)
			case <-work.Done():
				c.Status(http.StatusServiceUnavailable)
			}
		})
	})
	stop() // the queue stays open: a handler the server has not waited for may still send
	wg.Wait()
	return err
}

// relayCallback POSTs body to receiver, signed.
func relayCallback(ctx context.Context, cl *http.Client, macs *sync.Pool, receiver string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, receiver, bytes.NewReader(body))
	if err != nil {
		return err
	}
	id, ts := "msg_relay", strconv.FormatInt(time.Now().Unix(), 10)
	m := macs.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(id + "." + ts + "."))
	m.Write(body)
	sig := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	macs.Put(m)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Webhook-Id", id)
	req.Header.Set("Webhook-Timestamp", ts)
	req.Header.Set("Webhook-Signature", sig)
	resp, err := cl.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// callbackRelay starts the relay sending to receiver and returns its
// base URL; b.stopAll stops it.
func (b *bench) callbackRelay(receiver string) (string, error) {
	return b.serveSelf("callback relay", "-serve-callback-relay", "-callback-to", receiver, "-c", strconv.Itoa(b.o.conc))
}
