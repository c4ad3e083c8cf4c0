package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/callhub/callhub/hub"
)

const tailUsage = `usage: callhub tail [flags] CID

Follow the replies of CID over WebSocket until its last reply (isEnd),
printing each once and in order: the replies stored so far first, then
the new ones as they arrive. After a disconnect it reconnects and resumes
after the last offset it printed. Authorised by --token (the request's
wsToken) or --key (the caller's key). With --json: one reply frame per line.
`

// tailCmd is `callhub tail CID`.
func tailCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("tail", tailUsage)
	var cf clientFlags
	cf.register(fs, getenv)
	token := fs.String("token", "", "the cid's wsToken (instead of a caller key)")
	since := fs.String("since", "", "print only the replies after this `offset`")
	pos, err := fs.parse(args, stdout)
	if err != nil {
		return err
	}
	if err := fs.wantArgs(pos, 1, "CID"); err != nil {
		return err
	}
	switch {
	case pos[0] == "":
		return usageErrorf("tail", "missing CID: got an empty one")
	case !hub.ValidCID(pos[0]):
		return usageErrorf("tail", "CID %s, got %q", hub.CIDRule, pos[0])
	case !hub.ValidOffset(*since):
		return usageErrorf("tail", "--since must be an offset a reply carried, like 1-0, got %q", *since)
	}
	c, err := cf.client("tail", 0)
	if err != nil {
		return err
	}
	f := &follower{c: c, cid: pos[0], token: *token, since: *since, emit: replyPrinter(stdout, cf.json), stderr: stderr}
	return f.run(ctx)
}

// replyPrinter prints each reply: the frame as the hub sent it (--json),
// or one line for people.
func replyPrinter(w io.Writer, asJSON bool) func(raw []byte, f replyFrame) error {
	return func(raw []byte, f replyFrame) error {
		if asJSON {
			return writeJSON(w, json.RawMessage(raw))
		}
		var b strings.Builder
		fmt.Fprintf(&b, "seq %d", f.Seq)
		if f.IsEnd {
			b.WriteString(" (end)")
		}
		fmt.Fprintf(&b, " code %d", f.Code)
		if f.Msg != "" {
			fmt.Fprintf(&b, " %q", f.Msg)
		}
		if len(f.Data) > 0 && string(f.Data) != "null" {
			fmt.Fprintf(&b, " data %s", f.Data)
		}
		if len(f.File) > 0 && string(f.File) != "null" {
			fmt.Fprintf(&b, " file %s", f.File)
		}
		_, err := fmt.Fprintln(w, b.String())
		return err
	}
}
