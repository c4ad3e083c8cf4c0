package hubtest

import (
	"context"
	"testing"

	"github.com/callhub/callhub/hub"
)

// testDuplicateReply: a duplicate comes back as the stored reply, whole:
// its caller too, since the hub republishes it to the caller's topic.
func testDuplicateReply(t *testing.T, b Backend) {
	cid := create(t, b.Store)
	first := appendReply(t, b.Store, cid, 1, false)
	again, dup, err := b.Store.AppendReply(context.Background(), hub.Reply{CID: cid, Seq: 1})
	if err != nil || !dup {
		t.Fatalf("duplicate = dup %v, %v; want dup", dup, err)
	}
	if again.Caller != "shop" || again.CID != cid || again.Seq != 1 || again.Offset != first.Offset || !again.At.Equal(first.At) {
		t.Errorf("duplicate = %+v, want the stored reply %+v with caller shop", again, first)
	}
}
