package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callhub/callhub/api/hubclient"
)

// service is the benchmark's provider: it accepts every request with 202
// and remembers each cid's reply token; with autoReply it posts one reply
// at once, as a fast async service would.
type service struct {
	srv       *httptest.Server
	autoReply atomic.Pointer[hubclient.Client]
	mu        sync.Mutex
	tokens    map[string]string
}

func newService() *service {
	s := &service{tokens: map[string]string{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

func (s *service) serve(w http.ResponseWriter, r *http.Request) {
	cid, tok := r.Header.Get("Callhub-Cid"), r.Header.Get("Callhub-Reply-Token")
	s.mu.Lock()
	s.tokens[cid] = tok
	s.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
	if c := s.autoReply.Load(); c != nil {
		sent := r.URL.Query().Get("sent")
		go c.Reply(context.Background(), cid, tok, hubclient.ReplyInput{Seq: 1, Data: map[string]string{"sent": sent}})
	}
}

func (s *service) token(cid string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[cid]
}

// receiver counts callbacks and closes done when it has seen want.
type receiver struct {
	srv  *httptest.Server
	n    atomic.Int64
	want int64
	done chan struct{}
}

func newReceiver(want int) *receiver {
	r := &receiver{want: int64(want), done: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if r.n.Add(1) == r.want {
			close(r.done)
		}
	}))
	return r
}

// client is a hub client with a connection pool sized for the bench.
func client(url string, conc int) *hubclient.Client {
	c := hubclient.New(url, "bench-key")
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = conc * 2
	c.HTTP = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	return c
}

// openCIDs sends n async requests (8 at a time) and returns their cids
// and ws tokens.
func openCIDs(ctx context.Context, c *hubclient.Client, n int, callback bool) ([]string, []string, error) {
	cids, toks := make([]string, n), make([]string, n)
	sent := parallel(ctx, 8, n, func(i int) error {
		req := hubclient.Request{ServiceID: "svc", Method: "POST", Path: "/work", Async: true}
		if callback {
			req.Callback = &hubclient.Callback{URL: "/cb", Method: "POST"}
		}
		a, err := c.Send(ctx, req)
		cids[i], toks[i] = a.CID, a.WSToken
		return err
	})
	if sent.first == nil && sent.ok < n {
		return nil, nil, ctx.Err()
	}
	return cids, toks, sent.first
}

// postReplies posts perCID replies to each cid with conc workers, each
// owning whole cids so seqs stay in order; hubs are used round-robin.
func postReplies(ctx context.Context, hubs []*hubclient.Client, svc *service, cids []string, perCID, conc int, data func() any) error {
	work := make(chan int)
	errc := make(chan error, conc)
	var wg sync.WaitGroup
	for w := range conc {
		wg.Go(func() {
			for i := range work {
				for seq := 1; seq <= perCID; seq++ {
					end := seq == perCID
					c := hubs[(i+seq+w)%len(hubs)]
					if _, err := c.Reply(ctx, cids[i], svc.token(cids[i]), hubclient.ReplyInput{Seq: seq, IsEnd: &end, Data: data()}); err != nil {
						errc <- err
						return
					}
				}
			}
		})
	}
	for i := range cids {
		work <- i
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}
