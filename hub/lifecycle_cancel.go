package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// A cancel notice tells a canceled cid's service, at its cancelPath. It
// is a lifecycle timer, so it survives the instance that canceled: kind
// "cancel:<n>" is attempt n+1, due now for the first, then on
// cancelSchedule; a retry is a timer of the next kind.

// timerCancel prefixes the kind of a cancel notice's timer.
const timerCancel = "cancel:"

// cancelSchedule is the wait before each retry of a cancel notice, the
// callback delivery's default schedule; the notice is given up after the
// last.
var cancelSchedule = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second,
	2 * time.Minute, 10 * time.Minute, 30 * time.Minute, time.Hour}

// tellCanceled schedules the cancel notice of rec, just canceled, if its
// service has a cancel path.
func (h *Hub) tellCanceled(ctx context.Context, rec Record) {
	if svc, ok := h.services[rec.ServiceID]; !ok || svc.CancelPath == "" {
		return
	}
	t := Timer{CID: rec.CID, Kind: timerCancel + "0", At: h.Now()}
	if err := h.store.SetTimer(context.WithoutCancel(ctx), t); err != nil {
		h.logger.Error("cancel notice not scheduled", "cid", rec.CID, "service", rec.ServiceID, "err", err)
	}
}

// noticeCancel makes the attempt of timer t and schedules the next one if
// another may help. The reason is the msg of the cid's terminal reply.
func (h *Hub) noticeCancel(ctx context.Context, t Timer) error {
	n, _ := strconv.Atoi(strings.TrimPrefix(t.Kind, timerCancel))
	rec, err := h.store.Get(ctx, t.CID)
	if err != nil || len(rec.Replies) == 0 {
		return err // gone with its retention
	}
	svc, ok := h.services[rec.ServiceID]
	if !ok || svc.CancelPath == "" {
		return nil
	}
	retry, err := h.postCancel(ctx, svc, *rec, rec.Replies[len(rec.Replies)-1].Msg)
	switch {
	case err == nil:
		return nil
	case !retry || n >= len(cancelSchedule):
		return fmt.Errorf("cancel notice to %s given up after %d attempts: %w", svc.ID, n+1, err)
	}
	wait := cancelSchedule[n]/2 + rand.N(cancelSchedule[n]/2+1)
	next := Timer{CID: t.CID, Kind: timerCancel + strconv.Itoa(n+1), At: h.Now().Add(wait)}
	if serr := h.store.SetTimer(ctx, next); serr != nil {
		return serr
	}
	h.logger.Warn("cancel notice failed; retrying", "cid", t.CID, "service", svc.ID, "attempt", n+1, "retry_in", wait, "err", err)
	return nil
}

// postCancel POSTs {cid, reason} to the service's cancel path; retry
// tells whether another attempt may help.
func (h *Hub) postCancel(ctx context.Context, svc Service, rec Record, reason string) (retry bool, err error) {
	body, _ := json.Marshal(struct {
		CID    string `json:"cid"`
		Reason string `json:"reason"`
	}{rec.CID, reason})
	ctx, cancel := context.WithTimeout(ctx, h.forwardTimeout(svc, Request{}))
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
