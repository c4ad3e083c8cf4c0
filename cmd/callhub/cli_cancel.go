package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/callhub/callhub/hub"
)

const cancelUsage = `usage: callhub cancel [flags] CID

Cancel the async request CID (DELETE /v1/requests/{cid}) with the
caller's key or the admin's: the hub ends it with its own last reply,
code 499, msg the --reason (or "canceled"), and tells the service if it
has a cancelPath. Prints the offset of that reply. A cid that ended
already, or an unknown one, exits 1. With --json: the hub's answer.
`

// cancelCmd is `callhub cancel CID`.
func cancelCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("cancel", cancelUsage)
	var cf clientFlags
	cf.register(fs, getenv)
	reason := fs.String("reason", "", "why, for the subscribers and the service: the reply's msg")
	pos, err := fs.parse(args, stdout)
	if err != nil {
		return err
	}
	if err := fs.wantArgs(pos, 1, "CID"); err != nil {
		return err
	}
	if err := cidArg("cancel", pos[0]); err != nil {
		return err
	}
	if len(*reason) > hub.MaxReasonBytes {
		return usageErrorf("cancel", "--reason must be at most %d bytes", hub.MaxReasonBytes)
	}
	c, err := cf.client("cancel", 0)
	if err != nil {
		return err
	}
	var body any
	if *reason != "" {
		body = map[string]string{"reason": *reason}
	}
	raw, err := c.call(ctx, http.MethodDelete, "/v1/requests/"+url.PathEscape(pos[0]), body)
	if err != nil {
		return err
	}
	if cf.json {
		return writeJSON(stdout, raw)
	}
	var ans struct {
		Offset string `json:"offset"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		return fmt.Errorf("cancel: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "cid %s canceled: the hub's last reply is at offset %s\n", pos[0], ans.Offset)
	return err
}
