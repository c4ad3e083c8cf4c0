package hub

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
)

// CallbackStep is the request step a callbackId was issued for.
type CallbackStep struct {
	CID   string
	Seq   int
	IsEnd bool // the step was the last of its cid
}

// CallbackID returns the callbackId of step seq of cid: the form field
// the old middleware handed a service with each async request, which old
// services answer with (bReq=0) instead of the cid. It names the cid,
// the step and whether the step is the last, and is signed, so it cannot
// be guessed or altered.
func (t *Tokens) CallbackID(cid string, seq int, end bool) string {
	step := strconv.Itoa(seq)
	if end {
		step += "e"
	}
	return "cb." + base64.RawURLEncoding.EncodeToString([]byte(cid)) + "." + step + "." + t.mac("callbackId", cid, step)
}

// CheckCallbackID returns the step a callbackId names, if the hub issued
// it.
func (t *Tokens) CheckCallbackID(id string) (CallbackStep, bool) {
	parts := strings.Split(id, ".")
	if len(parts) != 4 || parts[0] != "cb" {
		return CallbackStep{}, false
	}
	cid, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || !ValidCID(string(cid)) {
		return CallbackStep{}, false
	}
	num, end := strings.CutSuffix(parts[2], "e")
	seq, err := strconv.Atoi(num)
	if err != nil || seq < 1 || seq > maxSeq || strconv.Itoa(seq) != num {
		return CallbackStep{}, false
	}
	want := t.CallbackID(string(cid), seq, end)
	if !hmac.Equal([]byte(id), []byte(want)) {
		return CallbackStep{}, false
	}
	return CallbackStep{CID: string(cid), Seq: seq, IsEnd: end}, true
}

// setStepParams adds the cid, and for an async step its callbackId, to
// the parameters the service receives.
func (h *Hub) setStepParams(v url.Values, req Request) {
	v.Set("cid", req.CID)
	if req.Async {
		v.Set("callbackId", h.tokens.CallbackID(req.CID, req.Seq, req.End()))
	}
}

// CallbackStep returns the step a callbackId names, or ErrNotFound when
// this hub (its secret) did not issue it.
func (h *Hub) CallbackStep(callbackID string) (CallbackStep, error) {
	step, ok := h.tokens.CheckCallbackID(callbackID)
	if !ok {
		return CallbackStep{}, Errorf(ErrNotFound, "callbackId: unknown (not issued by this hub)")
	}
	return step, nil
}

// ReplyToStep stores an old service's answer to the step a callbackId
// names, as that step's reply: its seq is the step's (whatever seq the
// answer carried) and it ends the cid when the step did. p must be
// allowed to reply to the cid (see Authorize). An unknown callbackId, or
// one whose cid has expired, is ErrNotFound; a second answer to the same
// callbackId is ErrConflict and changes nothing.
func (h *Hub) ReplyToStep(ctx context.Context, p Principal, callbackID string, in ReplyInput) (Reply, error) {
	step, err := h.CallbackStep(callbackID)
	if err != nil {
		return Reply{}, err
	}
	if _, err := h.Authorize(ctx, p, ActReply, step.CID); err != nil {
		return Reply{}, err
	}
	in.Seq, in.IsEnd = step.Seq, &step.IsEnd
	r, dup, err := h.PostReply(ctx, step.CID, in)
	if err != nil {
		return Reply{}, err
	}
	if dup {
		return r, Errorf(ErrConflict, "callbackId: step %d of cid %s was answered already", step.Seq, step.CID)
	}
	return r, nil
}
