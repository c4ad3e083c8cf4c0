package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"
)

// cancelSchedule is the wait before each retry of a cancel notice, the
// callback delivery's default schedule; the notice is given up after the
// last.
var cancelSchedule = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second,
	2 * time.Minute, 10 * time.Minute, 30 * time.Minute, time.Hour}

// tellCanceled POSTs {cid, reason} to the cancel path of rec's service,
// if it has one, in the background: retried on cancelSchedule until a 2xx
// or a 4xx other than 408 and 429, for as long as this instance runs.
func (h *Hub) tellCanceled(rec Record, reason string) {
	svc, ok := h.services[rec.ServiceID]
	if !ok || svc.CancelPath == "" {
		return
	}
	body, _ := json.Marshal(struct {
		CID    string `json:"cid"`
		Reason string `json:"reason"`
	}{rec.CID, reason})
	h.goOwned(func() {
		for n := 0; ; n++ {
			retry, err := h.noticeCancel(svc, rec, body)
			if err == nil || !retry || n == len(cancelSchedule) {
				if err != nil {
					h.logger.Warn("cancel notice given up", "cid", rec.CID, "service", svc.ID, "attempts", n+1, "err", err)
				}
				return
			}
			wait := cancelSchedule[n]/2 + rand.N(cancelSchedule[n]/2+1)
			select {
			case <-h.ctx.Done():
				h.logger.Warn("cancel notice not sent: shutting down", "cid", rec.CID, "service", svc.ID, "err", err)
				return
			case <-time.After(wait):
			}
		}
	})
}

// noticeCancel makes one attempt; retry tells whether another may help.
func (h *Hub) noticeCancel(svc Service, rec Record, body []byte) (retry bool, err error) {
	ctx, cancel := context.WithTimeout(h.ctx, h.forwardTimeout(svc, Request{}))
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, svc.BaseURL+svc.CancelPath, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	for k, v := range svc.Headers {
		hr.Header.Set(k, v)
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Callhub-Cid", rec.CID)
	hr.Header.Set("Callhub-Caller", rec.Caller)
	resp, err := h.client.Do(hr)
	if err != nil {
		return true, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch c := resp.StatusCode; {
	case c < 300:
		return false, nil
	case c == http.StatusRequestTimeout || c == http.StatusTooManyRequests || c >= 500:
		return true, fmt.Errorf("answered %d", c)
	default:
		return false, fmt.Errorf("answered %d", c)
	}
}
