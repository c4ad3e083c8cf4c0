package redisstore_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/hub/redisstore"
	"github.com/callhub/callhub/hub/redisstore/redistest"
	"github.com/callhub/callhub/internal/benchcpu"
)

// openBench starts a redis-server for a benchmark and opens a store on
// it, closed when the benchmark ends.
func openBench(b *testing.B) (*redistest.Server, *redisstore.Store) {
	srv := redistest.Start(b)
	s, err := redisstore.Open(redisstore.Config{URL: srv.URL(0), KeyPrefix: "bench:"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return srv, s
}

// benchCIDs creates n pending requests on s, for the benchmarks' replies,
// and returns their cids.
func benchCIDs(b *testing.B, s *redisstore.Store, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("0b7e3a52-8f1d-4c3e-9a57-%012d", i)
		if _, _, err := s.CreateRequest(context.Background(), hub.Record{CID: ids[i], ServiceID: "svc", Caller: "shop",
			State: hub.StatePending, CreatedAt: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	return ids
}

// BenchmarkAppendReply stores replies from 16 goroutines at once, round
// robin over 1,000 cids each followed by one subscription, with seqs 1, 2,
// … per cid, as a busy hub does. Besides time per reply it reports
// redis-server's CPU per reply (redis-µs/op, from INFO cpu): what the
// append script costs the server, which a real deployment shares among its
// instances. -benchtime 90000x gives each cid 90 replies, as
// callhub-bench's fan-out does.
func BenchmarkAppendReply(b *testing.B) {
	srv, s := openBench(b)
	ctx := context.Background()
	const cids = 1000
	ids := benchCIDs(b, s, cids)
	for i := range ids {
		if err := s.Broker().(hub.FuncBroker).SubscribeFunc(ctx, "cid:"+ids[i], func([]byte) {}); err != nil {
			b.Fatal(err)
		}
	}
	seqs := make([]atomic.Int64, cids)
	var next atomic.Int64
	data := []byte(`{"bench_t":1733520000000000000}`)
	b.SetParallelism(8) // 16 goroutines on 2 cores
	start := srv.CPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1)-1) % cids
			r := hub.Reply{CID: ids[i], Seq: int(seqs[i].Add(1)), Data: data}
			if _, err := s.AppendReply(ctx, r); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64((srv.CPU()-start).Microseconds())/float64(b.N), "redis-µs/op")
}

// BenchmarkOpenStep opens new requests (record, first step, index entry)
// from 16 goroutines at once, as Submit does for each new async request.
// Besides time per request it reports redis-server's CPU per request
// (redis-µs/op) and the benchmark process's, the client's side of it
// (client-µs/op, from getrusage).
func BenchmarkOpenStep(b *testing.B) {
	srv, s := openBench(b)
	ctx := context.Background()
	var next atomic.Int64
	b.SetParallelism(8) // 16 goroutines on 2 cores
	start, client := srv.CPU(), benchcpu.Process(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := hub.Record{CID: fmt.Sprintf("0b7e3a52-8f1d-4c3e-9a57-%012d", next.Add(1)), ServiceID: "svc",
				Caller: "shop", State: hub.StatePending, Mode: hub.ModeAsync, CreatedAt: time.Now()}
			if _, _, _, _, err := s.OpenStep(ctx, rec, hub.Step{Seq: 1}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64((srv.CPU()-start).Microseconds())/float64(b.N), "redis-µs/op")
	b.ReportMetric(float64((benchcpu.Process(b)-client).Microseconds())/float64(b.N), "client-µs/op")
}

// BenchmarkQueueCallback: the queue's part of one callback delivered at
// its first attempt, one after another: claimed, Add, Claim and Save, as
// a callback that waited or was queued on a busy instance costs; leased,
// AddLeased and Save, as the Deliverer queues one due at once. Besides
// time it reports redis-server's CPU (redis-µs/op) and the client's
// (client-µs/op) per callback.
func BenchmarkQueueCallback(b *testing.B) {
	for _, leased := range []bool{false, true} {
		name := "claimed"
		if leased {
			name = "leased"
		}
		b.Run(name, func(b *testing.B) { benchQueueCallback(b, leased) })
	}
}

func benchQueueCallback(b *testing.B, leased bool) {
	srv, s := openBench(b)
	q := s.Queue()
	ctx := context.Background()
	data := []byte(`{"result":"done","n":42}`)
	i := 0
	cycle := func() {
		i++
		cid := fmt.Sprintf("0b7e3a52-8f1d-4c3e-9a57-%012d", i)
		now := time.Now()
		d := callback.Delivery{ID: callback.DeliveryID(cid, 1), CID: cid, Seq: 1, Caller: "shop",
			URL: "http://127.0.0.1:8080/cb", Method: "POST", State: callback.Pending,
			Reply:         hub.Reply{CID: cid, Seq: 1, IsEnd: true, Msg: "ok", Data: data, Offset: "1733520000000-0", At: now},
			NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}
		if leased {
			if ok, err := q.AddLeased(ctx, d, now, time.Minute); err != nil || !ok {
				b.Fatalf("AddLeased = %v, %v", ok, err)
			}
		} else {
			if err := q.Add(ctx, d); err != nil {
				b.Fatal(err)
			}
			ds, err := q.Claim(ctx, now, 32, time.Minute)
			if err != nil || len(ds) != 1 {
				b.Fatalf("Claim = %d, %v; want 1", len(ds), err)
			}
			d = ds[0]
		}
		d.State, d.Attempts, d.UpdatedAt = callback.Delivered, 1, time.Now()
		d.AttemptLog = []hub.Attempt{{At: now, DurationMs: 1, Status: 204}}
		if err := q.Save(ctx, d); err != nil {
			b.Fatal(err)
		}
	}
	cycle() // loads the scripts, makes the first scan and the upgrade look
	start, client := srv.CPU(), benchcpu.Process(b)
	b.ResetTimer()
	for range b.N {
		cycle()
	}
	b.StopTimer()
	b.ReportMetric(float64((srv.CPU()-start).Microseconds())/float64(b.N), "redis-µs/op")
	b.ReportMetric(float64((benchcpu.Process(b)-client).Microseconds())/float64(b.N), "client-µs/op")
}

// BenchmarkBrokerReceive is hub B of callhub-bench's A→B fan-out without
// the WebSocket: replies published on Redis by another instance (here a
// plain connection sending PUBLISH in bursts of 250), read from the
// pub/sub connection, routed to their cid's one subscriber among 1,000
// and taken from its inbox. Its allocs/op are the receive path's; besides
// time it reports this process's CPU per message (client-µs/op).
func BenchmarkBrokerReceive(b *testing.B) {
	srv, s := openBench(b)
	ctx := context.Background()
	h, err := hub.New(hub.Config{Store: s, Broker: s.Broker(), Secret: []byte("bench secret"), SendBuffer: 256})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	const cids, burst = 1000, 250
	ready := make(chan *hub.Subscriber, 4*cids)
	ids := benchCIDs(b, s, cids)
	for i := range ids {
		var sub *hub.Subscriber
		sub = h.NewSubscriberFunc(func() { ready <- sub })
		defer sub.Close()
		nop := func(hub.Reply) error { return nil }
		if _, err := sub.Recover(ctx, ids[i], "", nop); err != nil {
			b.Fatal(err)
		}
		if err := sub.Live(ctx, ids[i], nop); err != nil {
			b.Fatal(err)
		}
	}
	// Message i is the reply (i/cids)+1 of cid i%cids, whose previous
	// reply is message i-cids: every one is delivered.
	at := time.Date(2026, 12, 7, 16, 0, 0, 0, time.UTC)
	offset := func(i int) string {
		if i < 0 {
			return ""
		}
		return fmt.Sprintf("1796659200000-%d", i/cids)
	}
	command := func(i int) []byte {
		cid := ids[i%cids]
		msg := hub.Reply{CID: cid, Seq: i/cids + 1, Msg: "ok", Data: []byte(`{"bench_t":1796659200000000000}`),
			At: at, Offset: offset(i), Prev: offset(i - cids), Caller: "shop",
			TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}.Message()
		channel := "bench:cid:{" + cid + "}" // the broker's channel of topic cid:<cid>
		return fmt.Appendf(nil, "*3\r\n$7\r\nPUBLISH\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(channel), channel, len(msg), msg)
	}
	pub, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		b.Fatal(err)
	}
	defer pub.Close()
	go io.Copy(io.Discard, pub) // the PUBLISH answers
	bursts := make([][]byte, 0, b.N/burst+1)
	for i := 0; i < b.N; i += burst {
		var cmds []byte
		for j := i; j < min(i+burst, b.N); j++ {
			cmds = append(cmds, command(j)...)
		}
		bursts = append(bursts, cmds)
	}
	deadline := time.NewTimer(time.Minute)
	defer deadline.Stop()
	got := 0
	start := benchcpu.Process(b)
	b.ResetTimer()
	for n, cmds := range bursts {
		if _, err := pub.Write(cmds); err != nil {
			b.Fatal(err)
		}
		for want := min((n+1)*burst, b.N); got < want; {
			select {
			case sub := <-ready:
				for r := sub.Next(); r != nil; r = sub.Next() {
					got++
				}
			case <-deadline.C:
				b.Fatalf("%d of %d messages delivered after a minute", got, b.N)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((benchcpu.Process(b)-start).Microseconds())/float64(b.N), "client-µs/op")
}
