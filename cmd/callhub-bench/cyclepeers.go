package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/callhub/callhub/api/hubclient"
)

// cyclePeers are the two ends of the hub in the cycle scenario: the
// service, which answers each request 202 and then posts one reply with
// its reply token through the hub the request names (?via=i), and the
// caller's callback receiver, which answers 204. Both end cycles in the
// cycleRoute of the moment. close stops both and waits for the replies
// in flight.
type cyclePeers struct {
	svc, recv *httptest.Server
	route     atomic.Pointer[cycleRoute]
	replies   sync.WaitGroup
}

// cycleRoute is what the peers do with the traffic of one measurement.
type cycleRoute struct {
	hubs      []*hubclient.Client // the service replies through hubs[via]
	ends      *cycleEnds
	replyEnds bool // no callback: a stored reply ends the cycle
}

func newCyclePeers() *cyclePeers {
	p := &cyclePeers{}
	p.svc = httptest.NewServer(http.HandlerFunc(p.serve))
	p.recv = httptest.NewServer(http.HandlerFunc(p.receive))
	return p
}

func (p *cyclePeers) close() {
	p.svc.Close()
	p.recv.Close()
	p.replies.Wait()
}

// serve is the service: 202, then one reply.
func (p *cyclePeers) serve(w http.ResponseWriter, r *http.Request) {
	cid, tok := r.Header.Get("Callhub-Cid"), r.Header.Get("Callhub-Reply-Token")
	via, _ := strconv.Atoi(r.URL.Query().Get("via"))
	rt := p.route.Load()
	w.WriteHeader(http.StatusAccepted)
	http.NewResponseController(w).Flush() // the 202 goes out before the reply
	if rt == nil || via < 0 || via >= len(rt.hubs) {
		return
	}
	p.replies.Go(func() {
		_, err := rt.hubs[via].Reply(context.Background(), cid, tok, hubclient.ReplyInput{Seq: 1, Data: map[string]int{"x": 1}})
		if err != nil || rt.replyEnds {
			rt.ends.end(cid, err)
		}
	})
}

// receive is the caller's callback endpoint: 204, and the cycle ends.
func (p *cyclePeers) receive(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.WriteHeader(http.StatusNoContent)
	if rt := p.route.Load(); rt != nil {
		rt.ends.end(r.Header.Get("Callhub-Cid"), nil)
	}
}
