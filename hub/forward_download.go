package hub

import (
	"context"
	"io"
	"net/http"
)

// Fetch forwards a download request and returns the service's response
// for the caller to stream; the caller must close its body. The record and
// step are stored (status only: a download's body is not kept), and a
// repeated (cid, seq) is forwarded again, since there is no stored body
// to answer with.
func (h *Hub) Fetch(ctx context.Context, req Request) (*http.Response, Outcome, error) {
	if err := req.Normalize(); err != nil {
		return nil, Outcome{}, err
	}
	svc, ok := h.services[req.ServiceID]
	if !ok {
		return nil, Outcome{}, Errorf(ErrNotFound, "serviceId: unknown service %q", req.ServiceID)
	}
	p, err := h.admit(svc)
	if err != nil {
		return nil, Outcome{}, err
	}
	defer func() { p.end(h.Now(), verdictNone) }() // ended below once the service answers
	if req.CID == "" {
		req.CID = newCID()
	}
	if err := h.claim(ctx, req); err != nil {
		return nil, Outcome{}, err
	}
	fctx, cancel := context.WithTimeout(ctx, h.forwardTimeout(svc, req))
	hr, err := h.buildForward(fctx, svc, req)
	if err != nil {
		cancel()
		return nil, Outcome{}, err
	}
	resp, err := h.client.Do(hr)
	if err != nil {
		// Read before cancel: after it, fctx says canceled, and every
		// failure of the service would read as the caller going away.
		err = forwardError(fctx, svc, err)
		cancel()
		if ctx.Err() == nil { // the service failed, not the caller: the record says so
			p.end(h.Now(), verdictOf(0, err))
			h.markFailed(ctx, req)
		}
		return nil, Outcome{CID: req.CID}, err
	}
	p.end(h.Now(), verdictOf(resp.StatusCode, nil))
	resp.Body = cancelOnClose{resp.Body, cancel}
	step := Step{Seq: req.Seq, IsEnd: req.End(), Done: true, Status: resp.StatusCode, At: h.Now()}
	if _, fresh, err := h.store.BeginStep(fctx, req.CID, step); err == nil && !fresh {
		if err := h.store.FinishStep(fctx, req.CID, step); err != nil {
			// The answer streams on; a repeat of this step sees it in flight
			// until the reservation expires, then forwards again.
			h.logger.Warn("store download step", "cid", req.CID, "seq", req.Seq, "err", err)
		}
	}
	return resp, Outcome{CID: req.CID, Seq: req.Seq, Status: resp.StatusCode}, nil
}

// cancelOnClose ends the forward's context when the body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
