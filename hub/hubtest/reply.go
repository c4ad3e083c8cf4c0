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
	a, err := b.Store.AppendReply(context.Background(), hub.Reply{CID: cid, Seq: 1})
	again := a.Reply
	if err != nil || !a.Dup {
		t.Fatalf("duplicate = dup %v, %v; want dup", a.Dup, err)
	}
	if again.Caller != "shop" || again.CID != cid || again.Seq != 1 || again.Offset != first.Offset || !again.At.Equal(first.At) {
		t.Errorf("duplicate = %+v, want the stored reply %+v with caller shop", again, first)
	}
}
