package main

import (
	"encoding/json"
	"net/http"
	"sync"
)

// receiver is a callback endpoint that counts deliveries per
// "<cid>.<seq>" and fails the first fail[id] attempts with 500. An
// attempt of a held id is parked until its sender goes away, or until
// pass lets it through.
type receiver struct {
	url    string
	mu     sync.Mutex
	hits   map[string]int
	ok     map[string]int
	fail   map[string]int
	holds  map[string]bool
	parked map[string]int
	gates  map[string]chan struct{} // closed by pass
	done   []string                 // the ids answered 2xx, in the order they were
}

func newReceiver() *receiver {
	return &receiver{hits: map[string]int{}, ok: map[string]int{}, fail: map[string]int{}, holds: map[string]bool{},
		parked: map[string]int{}, gates: map[string]chan struct{}{}}
}

// hold parks every later attempt of id until its sender goes away (its
// request's context ends); parked ones then count as failed hits.
func (r *receiver) hold(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.holds[id] = true
	if r.gates[id] == nil {
		r.gates[id] = make(chan struct{})
	}
}

// pass ends hold and answers the parked attempts of id as any other,
// as if the receiver had been slow; it returns how many it let through.
func (r *receiver) pass(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.holds, id)
	if g := r.gates[id]; g != nil {
		close(g)
		delete(r.gates, id)
	}
	return r.parked[id]
}

// release ends hold: later attempts of id are answered again.
func (r *receiver) release(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.holds, id)
}

// parkedNow is how many attempts of id are parked.
func (r *receiver) parkedNow(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.parked[id]
}

// park holds an attempt of a held id until its sender goes away or pass
// lets it through; it reports whether the attempt was held and its
// sender went away.
func (r *receiver) park(id string, req *http.Request) bool {
	r.mu.Lock()
	if !r.holds[id] {
		r.mu.Unlock()
		return false
	}
	gate := r.gates[id]
	r.hits[id]++
	r.parked[id]++
	r.mu.Unlock()
	passed := false
	select {
	case <-req.Context().Done():
	case <-gate:
		passed = true
	}
	r.mu.Lock()
	r.parked[id]--
	if passed {
		r.hits[id]-- // counted again as it is answered
	}
	r.mu.Unlock()
	return !passed
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var body struct {
		CID string `json:"cid"`
		Seq int    `json:"seq"`
	}
	json.NewDecoder(req.Body).Decode(&body)
	id := req.Header.Get("webhook-id")
	if id == "" {
		id = req.Header.Get("Callhub-Cid") + "." + req.Header.Get("Callhub-Seq")
	}
	if r.park(id, req) {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hits[id]++
	if r.fail[id] > 0 {
		r.fail[id]--
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	r.ok[id]++
	r.done = append(r.done, id)
	w.WriteHeader(http.StatusOK)
}

func (r *receiver) failFirst(id string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail[id] = n
}

// counts returns the attempts and successes of one delivery id.
func (r *receiver) counts(id string) (hits, ok int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hits[id], r.ok[id]
}

// delivered returns the ids answered 2xx, in the order they were.
func (r *receiver) delivered() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.done...)
}
