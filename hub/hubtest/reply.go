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

// testDuplicateOutOfOrder: seqs stored out of order are each new the
// first time, below the highest one too, and each a duplicate of its own
// first offset the second time.
func testDuplicateOutOfOrder(t *testing.T, b Backend) {
	cid := create(t, b.Store)
	stored := map[int]string{}
	for _, seq := range []int{3, 1, 2} {
		stored[seq] = appendReply(t, b.Store, cid, seq, false).Offset
	}
	for _, seq := range []int{1, 3, 2} {
		a, err := b.Store.AppendReply(context.Background(), hub.Reply{CID: cid, Seq: seq})
		if err != nil || !a.Dup || a.Reply.Offset != stored[seq] || a.Reply.Seq != seq {
			t.Errorf("seq %d again = dup %v, seq %d, offset %q, %v; want dup of offset %q",
				seq, a.Dup, a.Reply.Seq, a.Reply.Offset, err, stored[seq])
		}
	}
	if next := appendReply(t, b.Store, cid, 0, true); next.Seq != 4 {
		t.Errorf("a reply without seq got seq %d, want 4 (after the highest, 3)", next.Seq)
	}
}
