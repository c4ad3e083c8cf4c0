package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// publisher posts messages to a target over conc keep-alive connections.
type publisher struct {
	*pool
	conc int
}

// published is what one burst or paced run of a publisher did.
type published struct {
	ok, failed int
	first      error // the first failure
}

// errStop ends a parallel worker without counting as a failure.
var errStop = errors.New("stop")

// parallel calls do(0), do(1), ... on workers goroutines until n calls
// were made (n < 0: no bound), ctx ends, or a call returns errStop.
func parallel(ctx context.Context, workers, n int, do func(k int) error) published {
	var next atomic.Int64
	var tl tally
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				k := int(next.Add(1) - 1)
				if n >= 0 && k >= n {
					return
				}
				err := do(k)
				if errors.Is(err, errStop) {
					return
				}
				tl.add(err)
			}
		})
	}
	wg.Wait()
	return tl.result()
}

// tally counts a publisher's outcomes from many goroutines.
type tally struct {
	ok, failed atomic.Int64
	once       sync.Once
	first      error
}

func (t *tally) add(err error) {
	if err == nil {
		t.ok.Add(1)
		return
	}
	t.failed.Add(1)
	t.once.Do(func() { t.first = err })
}

func (t *tally) result() published {
	return published{ok: int(t.ok.Load()), failed: int(t.failed.Load()), first: t.first}
}

// post publishes one message to id i stamped at (unix ns; 0 for a warm-up).
func (p *publisher) post(ctx context.Context, t *target, i int, at int64) error {
	req, err := t.request(ctx, i, at)
	if err != nil {
		return err
	}
	status, err := p.do(req)
	if err == nil && status/100 != 2 {
		err = fmt.Errorf("POST %s: status %d", req.URL.Path, status)
	}
	return err
}

// burst is the closed loop: conc workers post n messages, round-robin over
// the target's ids, each as soon as its previous one was answered.
func (p *publisher) burst(ctx context.Context, t *target, n int) published {
	return parallel(ctx, p.conc, n, func(k int) error {
		return p.post(ctx, t, k%len(t.ids), time.Now().UnixNano())
	})
}

// each posts one message stamped 0 (a warm-up) to every id in ids.
func (p *publisher) each(ctx context.Context, t *target, ids []int) published {
	return parallel(ctx, p.conc, len(ids), func(k int) error { return p.post(ctx, t, ids[k], 0) })
}

// paced is the open loop: n messages at rate per second, each stamped with
// the time it was due (not when a worker got to it), so a publisher that
// falls behind shows up in the latency instead of hiding it.
func (p *publisher) paced(ctx context.Context, t *target, n, rate int) published {
	type job struct {
		i  int
		at time.Time
	}
	jobs := make(chan job, p.conc)
	var tl tally
	var wg sync.WaitGroup
	for range p.conc {
		wg.Go(func() {
			for j := range jobs {
				tl.add(p.post(ctx, t, j.i, j.at.UnixNano()))
			}
		})
	}
	start := time.Now()
	for k := 0; k < n && ctx.Err() == nil; k++ {
		at := start.Add(time.Duration(k) * time.Second / time.Duration(rate))
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		jobs <- job{k % len(t.ids), at}
	}
	close(jobs)
	wg.Wait()
	return tl.result()
}
