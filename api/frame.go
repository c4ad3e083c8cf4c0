package api

import (
	"github.com/callhub/callhub/hub"
)

// frame is a client → hub WebSocket message.
type frame struct {
	Op     string `json:"op"`
	CID    string `json:"cid,omitempty"`
	Token  string `json:"token,omitempty"`
	Since  string `json:"since,omitempty"`
	Caller string `json:"caller,omitempty"`
	Offset string `json:"offset,omitempty"` // ack: the newest reply acknowledged
}

// decodeFrame parses and checks one client frame, naming the bad field.
func decodeFrame(b []byte) (frame, error) {
	var f frame
	if err := decodeBytes("frame", b, &f); err != nil {
		return f, err
	}
	switch f.Op {
	case "ping":
	case "subscribe":
		if (f.CID == "") == (f.Caller == "") {
			return f, hub.Invalid("cid", "subscribe needs exactly one of cid or caller")
		}
		if !hub.ValidOffset(f.Since) {
			return f, hub.Invalid("since", "malformed offset %q", f.Since)
		}
	case "ack":
		if f.CID == "" {
			return f, hub.Invalid("cid", "ack needs the cid")
		}
		if f.Offset == "" || !hub.ValidOffset(f.Offset) {
			return f, hub.Invalid("offset", "ack needs the offset of a reply received, got %q", f.Offset)
		}
	case "unsubscribe":
		if f.CID == "" && f.Caller == "" {
			return f, hub.Invalid("cid", "required")
		}
	case "":
		return f, hub.Invalid("op", "required: subscribe, unsubscribe, ack or ping")
	default:
		return f, hub.Invalid("op", "must be subscribe, unsubscribe, ack or ping, got %q", f.Op)
	}
	return f, nil
}

// hub → client frames other than replies.
type (
	subscribedFrame struct {
		Type      string `json:"type"`
		CID       string `json:"cid,omitempty"`
		Caller    string `json:"caller,omitempty"`
		Recovered int    `json:"recovered"`
	}
	errorFrame struct {
		Type string `json:"type"`
		Code int    `json:"code"`
		Msg  string `json:"msg"`
		CID  string `json:"cid,omitempty"`
	}
	typeFrame struct {
		Type string `json:"type"`
		CID  string `json:"cid,omitempty"`
	}
)
