package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
)

// relay measures the relay baselines alone: in memory for the memory mode,
// with Redis PUBLISH for the Redis modes.
func relay(ctx context.Context, b *bench) (any, error) {
	modes, err := b.modes()
	if err != nil {
		return nil, err
	}
	relays := baselinesOf(modes, relayOf)
	res, err := b.measureModes(ctx, relays)
	if err != nil {
		return nil, err
	}
	return map[string]any{"relay": pick(res, relays)}, nil
}

// relayServer is the thinnest POST → WebSocket relay on the hub's stack
// (gin + coder/websocket): POST /relay/{id} writes its body to every
// WebSocket on GET /ws/{id}. No storage, no auth. With Redis, each POST is
// one PUBLISH, and one SUBSCRIBE connection per process fans messages to
// its local WebSockets. It is safe for concurrent use.
type relayServer struct {
	rdb *redis.Client // nil: in memory
	ps  *redis.PubSub // the one SUBSCRIBE connection
	mu  sync.RWMutex
	ids map[string]map[*relaySub]struct{}
}

// relaySub is one WebSocket's bounded inbox; slow is closed when it fills.
type relaySub struct {
	inbox chan []byte
	slow  chan struct{}
	once  sync.Once
}

const relayChannel = "relay:"

// serveRelay runs a relay on addr until ctx ends; redisURL "" keeps it in
// memory.
func serveRelay(ctx context.Context, addr, redisURL string) error {
	r := &relayServer{ids: map[string]map[*relaySub]struct{}{}}
	var wg sync.WaitGroup
	if redisURL != "" {
		opt, err := redis.ParseURL(redisURL)
		if err != nil {
			return err
		}
		r.rdb = redis.NewClient(opt)
		r.ps = r.rdb.Subscribe(ctx)
		defer r.rdb.Close()
		wg.Go(func() { r.receive(ctx) })
	}
	err := serveGin(ctx, addr, func(e *gin.Engine) {
		e.POST("/relay/:id", r.post)
		e.GET("/ws/:id", r.ws)
	})
	if r.ps != nil {
		r.ps.Close() // ends receive
	}
	wg.Wait()
	return err
}

// serveGin serves a gin engine with GET /readyz and what routes adds on
// addr until ctx ends: the process a relay scenario starts (serveSelf).
func serveGin(ctx context.Context, addr string, routes func(*gin.Engine)) error {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.GET("/readyz", func(c *gin.Context) { c.Status(http.StatusOK) })
	routes(e)
	srv := &http.Server{Addr: addr, Handler: e}
	stop := context.AfterFunc(ctx, func() { srv.Close() })
	defer stop()
	err := srv.ListenAndServe()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// post is POST /relay/{id}.
func (r *relayServer) post(c *gin.Context) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		c.Status(http.StatusBadRequest)
		return
	}
	if r.rdb == nil {
		r.fan(c.Param("id"), body)
	} else if err := r.rdb.Publish(c.Request.Context(), relayChannel+c.Param("id"), body).Err(); err != nil {
		c.Status(http.StatusServiceUnavailable)
		return
	}
	c.Status(http.StatusNoContent)
}

// fan hands msg to every local subscriber of id; a full inbox loses its
// subscriber, never the broadcast.
func (r *relayServer) fan(id string, msg []byte) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for s := range r.ids[id] {
		select {
		case s.inbox <- msg:
		default:
			s.once.Do(func() { close(s.slow) })
		}
	}
}

// receive fans the messages of the SUBSCRIBE connection out until it closes.
func (r *relayServer) receive(ctx context.Context) {
	for {
		m, err := r.ps.ReceiveMessage(ctx)
		if err != nil {
			if errors.Is(err, redis.ErrClosed) {
				return
			}
			select { // go-redis reconnects on the next call
			case <-time.After(100 * time.Millisecond):
			case <-ctx.Done():
				return
			}
			continue
		}
		r.fan(strings.TrimPrefix(m.Channel, relayChannel), []byte(m.Payload))
	}
}

// ws is GET /ws/{id}: it writes the id's messages until the client goes.
func (r *relayServer) ws(c *gin.Context) {
	conn, err := websocket.Accept(c.Writer, c.Request, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	defer conn.CloseNow()
	ctx := conn.CloseRead(c.Request.Context())
	s := &relaySub{inbox: make(chan []byte, 256), slow: make(chan struct{})}
	if err := r.add(ctx, c.Param("id"), s); err != nil {
		return
	}
	defer r.remove(c.Param("id"), s)
	for {
		select {
		case msg := <-s.inbox:
			if conn.Write(ctx, websocket.MessageText, msg) != nil {
				return
			}
		case <-s.slow:
			conn.Close(websocket.StatusTryAgainLater, "too slow")
			return
		case <-ctx.Done():
			return
		}
	}
}

// add registers s on id; the first local subscriber of an id subscribes
// the process to its channel.
func (r *relayServer) add(ctx context.Context, id string, s *relaySub) error {
	r.mu.Lock()
	first := r.ids[id] == nil
	if first {
		r.ids[id] = map[*relaySub]struct{}{}
	}
	r.ids[id][s] = struct{}{}
	r.mu.Unlock()
	if first && r.ps != nil {
		return r.ps.Subscribe(ctx, relayChannel+id)
	}
	return nil
}

func (r *relayServer) remove(id string, s *relaySub) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.ids[id], s)
	if len(r.ids[id]) == 0 {
		delete(r.ids, id)
	}
}
