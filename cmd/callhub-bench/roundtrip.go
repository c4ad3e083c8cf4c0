package main

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callhub/callhub/api/hubclient"
)

// roundTrip measures request → service → reply → WebSocket on one hub:
// the service replies at once; a caller-wide subscriber receives.
func roundTrip(ctx context.Context, b *bench) (any, error) {
	defer b.stopAll()
	svc := newService()
	defer svc.srv.Close()
	url, err := b.hub(hubConfig("memory", "", svc.srv.URL, "http://127.0.0.1:9"))
	if err != nil {
		return nil, err
	}
	c := client(url, b.o.conc)
	svc.autoReply.Store(c)
	var lat latencies
	stop, err := followCaller(ctx, c, &lat)
	if err != nil {
		return nil, err
	}
	defer stop()
	var sent atomic.Int64
	deadline := time.Now().Add(b.o.duration)
	var wg sync.WaitGroup
	for range b.o.conc {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				q := "/work?sent=" + strconv.FormatInt(time.Now().UnixNano(), 10)
				if _, err := c.Send(ctx, hubclient.Request{ServiceID: "svc", Method: "POST", Path: q, Async: true}); err == nil {
					sent.Add(1)
				}
			}
		})
	}
	wg.Wait()
	got := waitCount(&lat, int(sent.Load()), 30*time.Second)
	return map[string]any{"requests": sent.Load(), "round_trips": got,
		"round_trips_per_s": perSecond(got, b.o.duration), "latency": lat.summary()}, nil
}
