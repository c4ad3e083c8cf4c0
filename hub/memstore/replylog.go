package memstore

import "github.com/callhub/callhub/hub"

// replyLog is a cid's replies in the order they were stored. The first
// replyChunk of them grow one slice as append grows it; later ones go in
// chunks of replyChunk made whole, so a cid with many replies never copies
// those it has to make room (nor keeps up to as many again spare), and a
// cid with one reply holds one.
type replyLog struct {
	chunks [][]hub.Reply // every chunk but the last holds replyChunk
	n      int
}

const replyChunk = 64

func (l *replyLog) len() int { return l.n }

// at is the i-th reply, from 0.
func (l *replyLog) at(i int) *hub.Reply { return &l.chunks[i/replyChunk][i%replyChunk] }

func (l *replyLog) add(r hub.Reply) {
	if k := len(l.chunks); k == 0 || len(l.chunks[k-1]) == replyChunk {
		var c []hub.Reply
		if k > 0 {
			c = make([]hub.Reply, 0, replyChunk)
		}
		l.chunks = append(l.chunks, c)
	}
	last := &l.chunks[len(l.chunks)-1]
	*last = append(*last, r)
	l.n++
}

// from copies the replies from i on, at most limit of them (every one
// with limit 0); nil when there are none.
func (l *replyLog) from(i, limit int) []hub.Reply {
	end := l.n
	if limit > 0 {
		end = min(end, i+limit)
	}
	if end <= i {
		return nil
	}
	out := make([]hub.Reply, 0, end-i)
	for ; i < end; i++ {
		out = append(out, *l.at(i))
	}
	return out
}
