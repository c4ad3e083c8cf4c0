package hubtest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/callhub/callhub/hub"
)

// testAutoSeqLimit: after seq MaxSeq a reply without seq has no next
// number; it is a conflict naming seq, and nothing is stored.
func testAutoSeqLimit(t *testing.T, b Backend) {
	ctx := context.Background()
	cid := create(t, b.Store)
	appendReply(t, b.Store, cid, hub.MaxSeq, false)
	_, err := b.Store.AppendReply(ctx, hub.Reply{CID: cid})
	if !errors.Is(err, hub.ErrConflict) || !strings.HasPrefix(err.Error(), "seq: ") {
		t.Errorf("reply without seq after seq %d = %v, want a conflict naming seq", hub.MaxSeq, err)
	}
	if rs, _ := b.Store.Replies(ctx, cid, "", 0); len(rs) != 1 {
		t.Errorf("stored %d replies, want 1", len(rs))
	}
}
