package memstore

import (
	"strconv"
	"testing"

	"github.com/callhub/callhub/hub"
)

// TestReplyLog: replies come back by index and in ranges in the order
// they were added, across chunks; the first chunk grows as a slice would,
// later ones are made whole, and adding never moves a reply already kept.
func TestReplyLog(t *testing.T) {
	var l replyLog
	if got := l.from(0, 0); got != nil {
		t.Fatalf("from on an empty log = %v, want nil", got)
	}
	const n = 3*replyChunk + 5
	var first *hub.Reply
	for i := range n {
		l.add(hub.Reply{Seq: i + 1, Offset: strconv.Itoa(i+1) + "-0"})
		if i == replyChunk {
			first = l.at(replyChunk) // the first reply of the second chunk
		}
	}
	if l.len() != n {
		t.Fatalf("len = %d, want %d", l.len(), n)
	}
	for i := range n {
		if got := l.at(i).Seq; got != i+1 {
			t.Fatalf("at(%d).Seq = %d, want %d", i, got, i+1)
		}
	}
	if l.at(replyChunk) != first {
		t.Error("a reply in a full chunk moved when more were added")
	}
	for _, c := range []struct{ i, limit, want int }{{0, 0, n}, {n - 3, 0, 3}, {60, 10, 10}, {n, 0, 0}, {n - 2, 5, 2}} {
		got := l.from(c.i, c.limit)
		if len(got) != c.want {
			t.Errorf("from(%d, %d) = %d replies, want %d", c.i, c.limit, len(got), c.want)
			continue
		}
		for k, r := range got {
			if r.Seq != c.i+k+1 {
				t.Errorf("from(%d, %d)[%d].Seq = %d, want %d", c.i, c.limit, k, r.Seq, c.i+k+1)
				break
			}
		}
	}
	for k, c := range l.chunks[1:] {
		if cap(c) != replyChunk {
			t.Errorf("chunk %d has room for %d, want %d", k+1, cap(c), replyChunk)
		}
	}
}
