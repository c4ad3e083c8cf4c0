package hub

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
)

// Outcome is the hub's answer to one request step: the service's immediate
// answer, and for async requests a ws token for the cid.
type Outcome struct {
	CID     string          `json:"cid"`
	Seq     int             `json:"seq"`
	Status  int             `json:"status"`
	Data    json.RawMessage `json:"data"`
	WSToken string          `json:"wsToken,omitempty"`
	Async   bool            `json:"-"`
	// background reports that the request's upload is forwarded after
	// the answer, which then removes its file.
	background bool
}

// Submit forwards one request step to its service and returns the service's
// answer. A step (cid, seq) that was forwarded before is not forwarded
// again: Submit returns the stored outcome. Submit owns req.Upload: it
// removes the file once done with it (see Upload.Remove).
func (h *Hub) Submit(ctx context.Context, req Request) (Outcome, error) {
	start := time.Now()
	ctx, tp, end := h.tracer.Start(ctx, "submit", "", time.Time{})
	req.TraceParent = tp
	out, err := h.submit(ctx, req)
	if !out.background {
		req.Upload.release()
	}
	end(err)
	h.obs.Submitted(h.serviceLabel(req.ServiceID), req.Async, OutcomeOf(err), time.Since(start))
	return out, err
}

func (h *Hub) submit(ctx context.Context, req Request) (Outcome, error) {
	if err := req.Normalize(); err != nil {
		return Outcome{}, err
	}
	if err := checkUpload(req); err != nil {
		return Outcome{}, err
	}
	svc, ok := h.services[req.ServiceID]
	if !ok {
		return Outcome{}, Errorf(ErrNotFound, "serviceId: unknown service %q", req.ServiceID)
	}
	p, err := h.admit(svc)
	if err != nil {
		return h.refused(ctx, req, err) // before the record: a retry after the cooldown starts afresh
	}
	defer func() { p.end(h.Now(), verdictNone) }() // a step not forwarded says nothing
	if req.Callback != nil && h.cfg.Deliveries != nil {
		if err := h.cfg.Deliveries.Check(ctx, req.Caller, req.Callback); err != nil {
			return Outcome{}, err
		}
	}
	if req.CID == "" {
		req.CID = newCID()
	}
	step, fresh, err := h.open(ctx, req)
	if err != nil {
		return Outcome{}, err
	}
	if !fresh && !step.Done && h.Now().Sub(step.At) > h.forwardTimeout(svc, req)+stepGrace {
		fresh = true // its forward died with an instance: the step is free again
		step = Step{Seq: req.Seq, IsEnd: req.End(), At: h.Now()}
	}
	if !fresh {
		out, err := h.storedOutcome(req, step)
		out.CID = req.CID
		return out, err
	}
	if req.Upload != nil && req.Async {
		h.forwardInBackground(svc, req, step, p)
		p = nil // the background forward ends it
		out := h.outcome(req, Step{Seq: req.Seq, Status: 202, Data: uploadAccepted})
		out.background = true
		return out, nil
	}
	// A caller that goes away does not cut the forward short (it is bounded
	// by its own timeout): the caller's retry gets the stored outcome.
	ctx = context.WithoutCancel(ctx)
	out, ferr := h.forward(ctx, svc, req, p)
	step.Done, step.At = true, h.Now()
	step.Status, step.Data = out.Status, out.Data
	if ferr != nil {
		step.Error, step.TimedOut = ferr.Error(), errors.Is(ferr, ErrTimeout)
	}
	if err := h.store.FinishStep(ctx, req.CID, step); err != nil {
		return Outcome{}, err
	}
	if ferr != nil {
		h.markFailed(ctx, req)
		return Outcome{CID: req.CID}, ferr // the failure is stored under the cid: a retry of it gets it
	}
	return h.outcome(req, step), nil
}

// stepGrace is how long past its forward timeout an unfinished step stays
// reserved before a retry may forward it again.
const stepGrace = 10 * time.Second

// open creates the cid's record, or checks that an existing cid belongs
// to the same caller and service, and reserves the step (see
// Store.BeginStep): in one call when the Store is a StepOpener.
func (h *Hub) open(ctx context.Context, req Request) (Step, bool, error) {
	step := Step{Seq: req.Seq, IsEnd: req.End(), At: h.Now()}
	o, ok := h.store.(StepOpener)
	if !ok {
		if err := h.claim(ctx, req); err != nil {
			return Step{}, false, err
		}
		return h.store.BeginStep(ctx, req.CID, step)
	}
	rec, _, st, fresh, err := o.OpenStep(ctx, h.newRecord(req), step)
	if err != nil {
		return Step{}, false, err
	}
	if err := h.owns(req, rec); err != nil {
		return Step{}, false, err
	}
	return st, fresh, h.setTimers(ctx, rec) // again on a retry: its first try may have died before
}

// claim creates the cid's record, or checks that an existing cid belongs to
// the same caller and service.
func (h *Hub) claim(ctx context.Context, req Request) error {
	rec, _, err := h.store.CreateRequest(ctx, h.newRecord(req))
	if err != nil {
		return err
	}
	if err := h.owns(req, rec); err != nil {
		return err
	}
	return h.setTimers(ctx, rec) // again on a retry: its first try may have died before
}

// owns refuses req for a cid whose record belongs to another caller or
// service.
func (h *Hub) owns(req Request, rec Record) error {
	if rec.Caller != req.Caller || rec.ServiceID != req.ServiceID {
		return Errorf(ErrConflict, "cid: %s belongs to another caller or service", req.CID)
	}
	return nil
}

// newRecord is the record req creates for a new cid.
func (h *Hub) newRecord(req Request) Record {
	state := StatePending
	if !req.Async && req.End() {
		state = StateCompleted
	}
	mode := ModeSync
	if req.Async {
		mode = ModeAsync
	}
	now := h.Now()
	return Record{CID: req.CID, ServiceID: req.ServiceID, Caller: req.Caller, Mode: mode,
		State: state, CreatedAt: now, Callback: req.Callback, Legacy: req.Legacy, TraceParent: req.TraceParent,
		DeadlineAt: deadlineAt(now, req.DeadlineMs), HeartbeatMs: req.HeartbeatMs}
}

// deadlineAt is when a request made at now with deadlineMs must end.
func deadlineAt(now time.Time, deadlineMs int64) *time.Time {
	if deadlineMs <= 0 {
		return nil
	}
	t := now.Add(time.Duration(deadlineMs) * time.Millisecond)
	return &t
}

func (h *Hub) markFailed(ctx context.Context, req Request) {
	if err := h.store.SetState(context.WithoutCancel(ctx), req.CID, StateFailed); err != nil {
		h.logger.Warn("mark request failed", "cid", req.CID, "err", err)
	}
}

// storedOutcome answers a repeated step from the store.
func (h *Hub) storedOutcome(req Request, s Step) (Outcome, error) {
	if !s.Done {
		return Outcome{}, Errorf(ErrConflict, "seq: step %d of cid %s is being forwarded; retry later", s.Seq, req.CID)
	}
	if s.Error != "" {
		kind := ErrBadGateway
		if s.TimedOut {
			kind = ErrTimeout
		}
		return Outcome{}, Errorf(kind, "%s (stored outcome of step %d)", s.Error, s.Seq)
	}
	return h.outcome(req, s), nil
}

func (h *Hub) outcome(req Request, s Step) Outcome {
	out := Outcome{CID: req.CID, Seq: s.Seq, Status: s.Status, Data: s.Data, Async: req.Async}
	if req.Async {
		out.WSToken = h.tokens.WSToken(req.CID, req.Caller, h.Now().Add(h.cfg.WSTokenTTL))
	}
	return out
}

// newCID returns a new request id: a UUIDv7, so ids sort by time.
func newCID() string { return uuid.Must(uuid.NewV7()).String() }

// NewCID returns a new request id, as Submit gives a request without one,
// for a front end that must name the cid before it submits.
func NewCID() string { return newCID() }
