package memstore

import (
	"context"
	"hash/fnv"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/callhub/callhub/hub"
)

// Store is a Store in this process's memory, for one instance. It is
// safe for concurrent use. Records expire Retention after they were created.
type Store struct {
	// Retention is how long a record lives. Defaults to 24h.
	Retention time.Duration
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time

	shards [shardCount]shard // by cid: no lock is shared by every cid
	timers timers
}

// shardCount spreads cids over this many locks.
const shardCount = 64

type shard struct {
	mu        sync.Mutex
	records   map[string]*memRecord
	lastSweep time.Time
}

type memRecord struct {
	rec     hub.Record
	steps   map[int]hub.Step
	replies replyLog
	bySeq   map[int]int // seq → index in replies
	next    uint64
	maxSeq  int
	ended   bool
	acks    []hub.AckStep // the acknowledgement watermark's steps, oldest first
	sign    time.Time     // the last sign of life of the cid's service
}

var _ hub.Store = (*Store)(nil)

func (m *Store) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Store) retention() time.Duration {
	if m.Retention > 0 {
		return m.Retention
	}
	return 24 * time.Hour
}

// lock locks and returns the shard of cid.
func (m *Store) lock(cid string) *shard {
	h := fnv.New32a()
	h.Write([]byte(cid))
	sh := &m.shards[h.Sum32()%shardCount]
	sh.mu.Lock()
	return sh
}

// find returns the live record of cid; sh.mu must be held.
func (m *Store) find(sh *shard, cid string) (*memRecord, error) {
	r := m.live(sh, cid)
	if r == nil {
		return nil, hub.Errorf(hub.ErrNotFound, "cid %s not found", cid)
	}
	return r, nil
}

// live is cid's record within its retention, or nil: find without the
// error, which a new cid (every CreateRequest) would format for nothing.
func (m *Store) live(sh *shard, cid string) *memRecord {
	r := sh.records[cid]
	if r == nil || m.now().Sub(r.rec.CreatedAt) > m.retention() {
		return nil
	}
	return r
}

// CreateRequest implements Store.
func (m *Store) CreateRequest(_ context.Context, rec hub.Record) (hub.Record, bool, error) {
	sh := m.lock(rec.CID)
	defer sh.mu.Unlock()
	m.sweep(sh)
	if r := m.live(sh, rec.CID); r != nil {
		return r.rec, false, nil
	}
	if sh.records == nil {
		sh.records = make(map[string]*memRecord)
	}
	rec.Steps, rec.Replies, rec.Deliveries = nil, nil, nil
	sh.records[rec.CID] = &memRecord{rec: rec, steps: map[int]hub.Step{}, bySeq: map[int]int{}, sign: rec.CreatedAt}
	return rec, true, nil
}

// sweep drops a shard's expired records at most once per tenth of the
// retention; sh.mu is held.
func (m *Store) sweep(sh *shard) {
	now := m.now()
	if now.Sub(sh.lastSweep) < m.retention()/10 {
		return
	}
	sh.lastSweep = now
	for cid, r := range sh.records {
		if now.Sub(r.rec.CreatedAt) > m.retention() {
			delete(sh.records, cid)
		}
	}
}

// BeginStep implements Store.
func (m *Store) BeginStep(_ context.Context, cid string, s hub.Step) (hub.Step, bool, error) {
	sh := m.lock(cid)
	defer sh.mu.Unlock()
	r, err := m.find(sh, cid)
	if err != nil {
		return hub.Step{}, false, err
	}
	if old, ok := r.steps[s.Seq]; ok {
		return old, false, nil
	}
	r.steps[s.Seq] = s
	return s, true, nil
}

// FinishStep implements Store.
func (m *Store) FinishStep(_ context.Context, cid string, s hub.Step) error {
	sh := m.lock(cid)
	defer sh.mu.Unlock()
	r, err := m.find(sh, cid)
	if err != nil {
		return err
	}
	r.steps[s.Seq] = s
	return nil
}

// AppendReply implements Store.
func (m *Store) AppendReply(_ context.Context, rp hub.Reply) (hub.Appended, error) {
	sh := m.lock(rp.CID)
	defer sh.mu.Unlock()
	r, err := m.find(sh, rp.CID)
	if err != nil {
		return hub.Appended{}, err
	}
	if rp.Seq == 0 {
		if r.maxSeq >= hub.MaxSeq {
			return hub.Appended{}, hub.SeqExhausted(rp.CID)
		}
		rp.Seq = r.maxSeq + 1
	}
	if rp.Seq <= r.maxSeq { // past the highest seq it cannot be a duplicate: the common case looks nothing up
		if i, ok := r.bySeq[rp.Seq]; ok {
			return hub.Appended{Reply: *r.replies.at(i), Dup: true, Record: r.rec}, nil
		}
	}
	if r.ended {
		return hub.Appended{}, hub.Ended(rp.CID, r.rec.State)
	}
	r.next++
	rp.Offset = strconv.FormatUint(r.next, 10) + "-0"
	rp.At = m.now()
	rp.CID, rp.Caller = r.rec.CID, r.rec.Caller // the record's strings, not one more copy per reply
	if rp.TraceParent == "" {
		rp.TraceParent = r.rec.TraceParent // the reply joins its request's trace
	}
	if n := r.replies.len(); n > 0 {
		rp.Prev = r.replies.at(n - 1).Offset
	}
	r.bySeq[rp.Seq] = r.replies.len()
	r.replies.add(rp)
	r.ended = rp.IsEnd
	r.maxSeq = max(r.maxSeq, rp.Seq)
	r.rec.State = hub.StateReplied
	if rp.IsEnd {
		r.rec.State = hub.EndStateOf(rp)
	}
	rp.EndState = ""
	resumed := r.signed(rp.At)
	return hub.Appended{Reply: rp, Record: r.rec, Resumed: resumed}, nil
}

// Replies implements Store.
func (m *Store) Replies(_ context.Context, cid, after string, limit int) ([]hub.Reply, error) {
	sh := m.lock(cid)
	defer sh.mu.Unlock()
	r, err := m.find(sh, cid)
	if err != nil {
		return nil, err
	}
	i := sort.Search(r.replies.len(), func(i int) bool { return hub.OffsetLess(after, r.replies.at(i).Offset) })
	return r.replies.from(i, limit), nil
}

// Lookup implements Store.
func (m *Store) Lookup(_ context.Context, cid string) (hub.Record, error) {
	sh := m.lock(cid)
	defer sh.mu.Unlock()
	r, err := m.find(sh, cid)
	if err != nil {
		return hub.Record{}, err
	}
	return r.rec, nil
}

// Get implements Store.
func (m *Store) Get(_ context.Context, cid string) (*hub.Record, error) {
	sh := m.lock(cid)
	defer sh.mu.Unlock()
	r, err := m.find(sh, cid)
	if err != nil {
		return nil, err
	}
	rec := r.rec
	if rec.Replies = r.replies.from(0, 0); rec.Replies == nil {
		rec.Replies = []hub.Reply{} // a record lists its replies, none as an empty list
	}
	hub.MarkAcked(rec.Replies, r.acks)
	rec.Steps = make([]hub.Step, 0, len(r.steps))
	for _, s := range r.steps {
		rec.Steps = append(rec.Steps, s)
	}
	sort.Slice(rec.Steps, func(i, j int) bool { return rec.Steps[i].Seq < rec.Steps[j].Seq })
	return &rec, nil
}

// SetState implements Store.
func (m *Store) SetState(_ context.Context, cid, state string) error {
	sh := m.lock(cid)
	defer sh.mu.Unlock()
	r, err := m.find(sh, cid)
	if err != nil {
		return err
	}
	r.rec.State = state
	return nil
}

// Ping implements Store; memory is always reachable.
func (m *Store) Ping(context.Context) error { return nil }
