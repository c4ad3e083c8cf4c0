package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/callhub/callhub/api/hubclient"
	"github.com/callhub/callhub/hub"
)

const tailUsage = `usage: callhub tail [flags] CID

Follow the replies of CID over WebSocket until its last reply (isEnd),
printing each once and in order: the replies stored so far first, then
the new ones as they arrive. After a disconnect it reconnects and resumes
after the last offset it printed. Between replies it prints the service's
progress (its heartbeats), and when the request has a heartbeat interval,
its stalls and their end. Authorised by --token (the request's wsToken) or
--key (the caller's key). With --json: one frame per line, as the hub
sent it ("type" is reply, progress, stalled or resumed).
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
	if err := cidArg("tail", pos[0]); err != nil {
		return err
	}
	if !hub.ValidOffset(*since) {
		return usageErrorf("tail", "--since must be an offset a reply carried, like 1-0, got %q", *since)
	}
	c, err := cf.client("tail", 0)
	if err != nil {
		return err
	}
	f := &follower{c: c, cid: pos[0], token: *token, since: *since, emit: replyPrinter(stdout, cf.json), stderr: stderr}
	return f.run(ctx)
}

// replyPrinter prints each reply and event: the frame as the hub sent it
// (--json), or one line for people.
func replyPrinter(w io.Writer, asJSON bool) func(hubclient.Event) error {
	return func(ev hubclient.Event) error {
		if asJSON {
			return writeJSON(w, ev.Raw)
		}
		if ev.Type != hubclient.EventReply {
			_, err := fmt.Fprintln(w, eventLine(ev))
			return err
		}
		_, err := fmt.Fprintln(w, replyLine(ev.Reply))
		return err
	}
}

// replyLine is one line for people about a reply.
func replyLine(r hubclient.Reply) string {
	var b strings.Builder
	fmt.Fprintf(&b, "seq %d", r.Seq)
	if r.IsEnd {
		b.WriteString(" (end)")
	}
	fmt.Fprintf(&b, " code %d", r.Code)
	if r.Msg != "" {
		fmt.Fprintf(&b, " %q", r.Msg)
	}
	if len(r.Data) > 0 && string(r.Data) != "null" {
		fmt.Fprintf(&b, " data %s", r.Data)
	}
	if r.File != nil {
		f, _ := json.Marshal(r.File)
		fmt.Fprintf(&b, " file %s", f)
	}
	if r.Origin == hubclient.OriginHub {
		b.WriteString(" (ended by the hub)")
	}
	return b.String()
}

// eventLine is one line for people about a progress, stalled or resumed
// event.
func eventLine(ev hubclient.Event) string {
	switch ev.Type {
	case hubclient.EventStalled:
		return "stalled: the service has been silent since " + ev.Since.Format(time.RFC3339Nano)
	case hubclient.EventResumed:
		return "resumed: the service is alive again"
	}
	line := "progress"
	if ev.Progress != nil {
		line += fmt.Sprintf(" %.0f%%", *ev.Progress*100)
	}
	if ev.Msg != "" {
		line += fmt.Sprintf(" %q", ev.Msg)
	}
	return line
}
