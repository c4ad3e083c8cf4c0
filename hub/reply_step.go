package hub

import "context"

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
