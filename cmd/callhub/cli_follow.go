package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/callhub/callhub/api/hubclient"
	"github.com/callhub/callhub/hub"
)

// follower follows one cid's replies with the Go SDK's Subscription
// until the reply with isEnd: after a disconnect it resumes after the
// last offset it emitted, so every reply is emitted once and in order,
// and a connection silent past the hub's pings is taken for dead. A
// refusal (a 4xx at connect, or an error frame) ends it with that error.
type follower struct {
	c      *hubClient
	cid    string
	token  string                      // the cid's wsToken; "" to use the key
	since  string                      // emit only what comes after this offset
	emit   func(hubclient.Event) error // called for each new reply and each event
	stderr io.Writer                   // where reconnects are noted
}

// run follows until the last reply, a refusal, or ctx's end (nil: the
// operator stopped it). It reads the cid's record first: a hub that
// cannot be reached, or refuses the cid, is an error at once, and a cid
// whose last reply is at or before since has nothing more to follow.
// Once following, it retries until the hub is back.
func (f *follower) run(ctx context.Context) error {
	if ended, err := f.ended(ctx); err != nil || ended {
		return err
	}
	sub := f.c.sdk.Follow(f.cid, f.token, f.since)
	defer sub.Close()
	sub.OnReconnect = func(err error, since string) {
		fmt.Fprintf(f.stderr, "callhub: %v; resuming after offset %q\n", err, since)
	}
	for {
		ev, err := sub.NextEvent(ctx)
		switch {
		case errors.Is(err, io.EOF), ctx.Err() != nil:
			return nil
		case err != nil:
			return f.c.opError("follow "+f.cid, err)
		}
		if err := f.emit(ev); err != nil {
			return err
		}
	}
}

// ended reads cid's record and reports whether its last reply (isEnd) is
// at or before f.since: following from there would wait for nothing.
func (f *follower) ended(ctx context.Context) (bool, error) {
	path := "/v1/requests/" + url.PathEscape(f.cid)
	if f.token != "" {
		path += "?token=" + url.QueryEscape(f.token)
	}
	raw, err := f.c.call(ctx, http.MethodGet, path, nil)
	if err != nil || f.since == "" {
		return false, err
	}
	var rec struct {
		Replies []hubclient.Reply `json:"replies"`
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return false, fmt.Errorf("GET %s: %w", path, err)
	}
	for _, r := range rec.Replies {
		if r.IsEnd && !hub.OffsetLess(f.since, r.Offset) {
			return true, nil
		}
	}
	return false, nil
}

// cidArg checks a CID argument of verb as the hub would, before anything
// is sent.
func cidArg(verb, cid string) error {
	switch {
	case cid == "":
		return usageErrorf(verb, "missing CID: got an empty one")
	case !hub.ValidCID(cid):
		return usageErrorf(verb, "CID %s, got %q", hub.CIDRule, cid)
	}
	return nil
}
