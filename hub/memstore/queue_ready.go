package memstore

import (
	"cmp"
	"slices"
	"time"

	"github.com/callhub/callhub/hub/callback"
)

// cidQueue is one cid's deliveries in seq order, and its place in the
// ready heap (index -1 when it has nothing pending).
type cidQueue struct {
	cid   string
	list  []*memDelivery
	due   time.Time
	index int
	gaps  map[string]struct{} // offsets of stored replies not queued yet (link)
	done  int                 // how many of list, from its start, are known not pending
}

// insert puts m at i, where search placed its seq.
func (c *cidQueue) insert(i int, m *memDelivery) {
	c.list = slices.Insert(c.list, i, m)
	c.done = min(c.done, i)
}

// search is where the delivery of seq is in list, or would go.
func (c *cidQueue) search(seq int) (int, bool) {
	// The seq looked up is mostly past the last (a new reply's delivery)
	// or the head's (its attempt saved), both read lately; else seqs
	// mostly run on from the first kept. Each step of the search reads
	// another delivery, likely out of the cache.
	n := len(c.list)
	if n == 0 || seq > c.list[n-1].Seq {
		return n, false
	}
	if i := c.done; i < n && c.list[i].Seq == seq {
		return i, true
	}
	if i := seq - c.list[0].Seq; i >= 0 && i < n && c.list[i].Seq == seq {
		return i, true
	}
	return slices.BinarySearchFunc(c.list, seq, func(m *memDelivery, seq int) int { return cmp.Compare(m.Seq, seq) })
}

// find is the delivery of seq, or nil.
func (c *cidQueue) find(seq int) *memDelivery {
	if i, ok := c.search(seq); ok {
		return c.list[i]
	}
	return nil
}

// head is the cid's first pending delivery: lower seqs are finished. A
// cid with a gap has none (see link).
func (c *cidQueue) head() *memDelivery {
	if len(c.gaps) > 0 {
		return nil
	}
	for ; c.done < len(c.list); c.done++ {
		if m := c.list[c.done]; m.State == callback.Pending {
			return m
		}
	}
	return nil
}

// readyHeap orders cids by when their head is due; container/heap drives it.
type readyHeap []*cidQueue

func (h readyHeap) Len() int           { return len(h) }
func (h readyHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }

func (h readyHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

func (h *readyHeap) Push(x any) {
	c := x.(*cidQueue)
	c.index = len(*h)
	*h = append(*h, c)
}

func (h *readyHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	old[len(old)-1] = nil
	c.index = -1
	*h = old[:len(old)-1]
	return c
}

// due counts, up to max, the cids whose head is due at now. Those form a
// subtree at the heap's root (no entry is due before its parent), which
// it walks alone.
func (h readyHeap) due(now time.Time, max int) int { return h.dueUnder(0, now, max) }

// dueUnder is due for the subtree at i.
func (h readyHeap) dueUnder(i int, now time.Time, max int) int {
	if i >= len(h) || max <= 0 || h[i].due.After(now) {
		return 0
	}
	n := 1
	n += h.dueUnder(2*i+1, now, max-n)
	return n + h.dueUnder(2*i+2, now, max-n)
}
