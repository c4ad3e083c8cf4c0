package main

import (
	"encoding/json"
	"net/http"
	"sync"
)

// receiver is a callback endpoint that counts deliveries per
// "<cid>.<seq>" and fails the first fail[id] attempts with 500.
type receiver struct {
	url  string
	mu   sync.Mutex
	hits map[string]int
	ok   map[string]int
	fail map[string]int
}

func newReceiver() *receiver {
	return &receiver{hits: map[string]int{}, ok: map[string]int{}, fail: map[string]int{}}
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
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hits[id]++
	if r.fail[id] > 0 {
		r.fail[id]--
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	r.ok[id]++
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
