package api

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/filestore"
)

// principal authenticates r and adds the token it presents; the hub
// decides what that principal may do (hub.Hub.Authorize).
func (s *Server) principal(r *http.Request, token string) (hub.Principal, error) {
	return s.principalAs(r, token, "")
}

// principalAs is principal for an act of role (see authenticateAs).
func (s *Server) principalAs(r *http.Request, token, role string) (hub.Principal, error) {
	p, _, err := s.authenticateAs(r, role)
	p.Token = token
	return p, err
}

// readToken is the ws token a reader presents: ?token=, or a
// "Bearer wt.…" header.
func readToken(r *http.Request) string {
	if tok := r.URL.Query().Get("token"); tok != "" {
		return tok
	}
	if tok := bearer(r); strings.HasPrefix(tok, "wt.") {
		return tok
	}
	return ""
}

// replyToken is the reply token a service presents as its bearer.
func replyToken(r *http.Request) string {
	if tok := bearer(r); strings.HasPrefix(tok, "rt.") {
		return tok
	}
	return ""
}

// canRead checks that r may read cid and returns the cid's record
// (without steps and replies).
func (s *Server) canRead(ctx context.Context, r *http.Request, cid string) (hub.Record, error) {
	p, err := s.principal(r, readToken(r))
	if err != nil {
		return hub.Record{}, err
	}
	return s.hub.Authorize(ctx, p, hub.ActRead, cid)
}

// canReply checks that r may post replies for cid.
func (s *Server) canReply(ctx context.Context, r *http.Request, cid string) error {
	p, err := s.replier(r)
	if err != nil {
		return err
	}
	_, err = s.hub.Authorize(ctx, p, hub.ActReply, cid)
	return err
}

// replier is who posts a reply: replying is a service's act, so a keyless
// address resolves among services.
func (s *Server) replier(r *http.Request) (hub.Principal, error) {
	return s.principalAs(r, replyToken(r), hub.KindService)
}

// openFile checks that r may read the kept file id and opens it. It
// authenticates before it looks the file up, and any refusal after the
// lookup reads as an unknown file, so the answer never tells whether id
// exists.
func (s *Server) openFile(ctx context.Context, r *http.Request, id string) (*os.File, filestore.BlobMeta, error) {
	p, err := s.principal(r, readToken(r))
	if err == nil {
		err = s.hub.Presented(p, "a caller key or ?token=<wsToken>")
	}
	if err != nil {
		return nil, filestore.BlobMeta{}, err
	}
	f, meta, err := s.blobs.Open(id)
	if err != nil {
		return nil, meta, err
	}
	if _, err := s.hub.Authorize(ctx, p, hub.ActRead, meta.CID); err != nil {
		f.Close()
		if errors.Is(err, hub.ErrUnauthorized) || errors.Is(err, hub.ErrForbidden) || errors.Is(err, hub.ErrNotFound) {
			err = hub.Errorf(hub.ErrNotFound, "file %s not found", id)
		}
		return nil, meta, err
	}
	return f, meta, nil
}
