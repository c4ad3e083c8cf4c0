package redistest

import (
	"bytes"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy is a loopback TCP proxy in front of a Redis server that can make
// pub/sub connections deaf: they stay open and keep taking what the
// client sends, but nothing Redis sends reaches the client, as after a
// silent partition. Other connections pass untouched, but for the one
// LoseAnswer picks.
type Proxy struct {
	Addr   string
	target string
	ln     net.Listener
	wg     sync.WaitGroup

	lose atomic.Bool // drop the sunsubscribe pushes Redis sends

	answer atomic.Pointer[answerLoss] // see LoseAnswer, DropAnswer

	mu     sync.Mutex
	deaf   bool // pub/sub connections made from now on are deaf too
	conns  []*proxyConn
	closed bool
}

// answerLoss is which connection loses its answers, and how.
type answerLoss struct {
	match func(sent []byte) bool
	drop  bool // close the connection when Redis answers; else go deaf
}

// proxyConn is one client connection and its upstream.
type proxyConn struct {
	client, server net.Conn
	pubsub         atomic.Bool // the client sent a (S)SUBSCRIBE
	mute           atomic.Bool // drop what the server sends
	drop           atomic.Bool // close the client's connection when the server answers
}

// StartProxy starts a proxy to the server at target, on a free loopback
// port, and stops it at cleanup.
func StartProxy(tb testing.TB, target string) *Proxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("proxy listen: %v", err)
	}
	p := &Proxy{Addr: ln.Addr().String(), target: target, ln: ln}
	p.wg.Go(p.accept)
	tb.Cleanup(p.close)
	return p
}

// URL is the proxy's redis:// URL for database 0.
func (p *Proxy) URL() string { return "redis://" + p.Addr + "/0" }

// MutePubSub makes the pub/sub connections open now deaf; later ones
// work.
func (p *Proxy) MutePubSub() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		if c.pubsub.Load() {
			c.mute.Store(true)
		}
	}
}

// SetDeaf makes every pub/sub connection, open now or made later, deaf
// (true), or lets later ones work again (false); those made deaf stay so.
func (p *Proxy) SetDeaf(deaf bool) {
	p.mu.Lock()
	p.deaf = deaf
	p.mu.Unlock()
	if deaf {
		p.MutePubSub()
	}
}

// LoseSunsubscribes drops, from now on, every "sunsubscribe" Redis sends
// its clients: the answers to theirs and, what it is for, the push that
// tells a client Redis dropped its sharded channel because the channel's
// slot moved to another node. The client is then never told.
func (p *Proxy) LoseSunsubscribes() { p.lose.Store(true) }

// LoseAnswer makes the next connection that sends a command match
// reports true for deaf from then on: the command reaches Redis, which
// runs it, but its answer, and any later one on that connection, never
// reaches the client, as when a connection drops after the command ran
// or a call times out waiting for it. match is given what one read of
// the client's connection returned (a command, or a pipeline of them, is
// written at once). Later connections work.
func (p *Proxy) LoseAnswer(match func(sent []byte) bool) { p.answer.Store(&answerLoss{match: match}) }

// DropAnswer makes the next connection that sends a command match
// reports true for close when Redis answers: the command ran, and the
// client reads EOF instead of its answer, as when a connection drops
// after the command ran. A client may then send it again on another
// connection; later connections work.
func (p *Proxy) DropAnswer(match func(sent []byte) bool) {
	p.answer.Store(&answerLoss{match: match, drop: true})
}

// AnswerArmed reports whether a LoseAnswer or DropAnswer still waits
// for the command it matches.
func (p *Proxy) AnswerArmed() bool { return p.answer.Load() != nil }

// Conns counts the connections the proxy took.
func (p *Proxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

func (p *Proxy) accept() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = client.Close()
			continue
		}
		c := &proxyConn{client: client, server: server}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			_, _ = client.Close(), server.Close()
			return
		}
		p.conns = append(p.conns, c)
		p.mu.Unlock()
		p.wg.Go(func() { p.up(c) })
		p.wg.Go(func() { p.down(c) })
	}
}

// up copies client → server, noting a subscribe and a command whose
// answer is to be lost.
func (p *Proxy) up(c *proxyConn) {
	defer c.server.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := c.client.Read(buf)
		if n > 0 {
			if lower := bytes.ToLower(buf[:n]); bytes.Contains(lower, []byte("subscribe\r\n")) && !c.pubsub.Load() {
				c.pubsub.Store(true)
				p.mu.Lock()
				if p.deaf {
					c.mute.Store(true)
				}
				p.mu.Unlock()
			}
			if a := p.answer.Load(); a != nil && a.match(buf[:n]) && p.answer.CompareAndSwap(a, nil) {
				if a.drop { // before Redis can answer
					c.drop.Store(true)
				} else {
					c.mute.Store(true)
				}
			}
			if _, werr := c.server.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// down copies server → client, dropping everything while muted.
func (p *Proxy) down(c *proxyConn) {
	defer c.client.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := c.server.Read(buf)
		if n > 0 && c.drop.Load() {
			_, _ = c.client.Close(), c.server.Close()
			return
		}
		out := buf[:n]
		if p.lose.Load() {
			out = dropSunsubscribes(out)
		}
		if len(out) > 0 && !c.mute.Load() {
			if _, werr := c.client.Write(out); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *Proxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for _, c := range p.conns {
		_ = c.client.Close()
		_ = c.server.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// sunsubscribe is the kind of a sunsubscribe message, after its header.
var sunsubscribe = []byte("$12\r\nsunsubscribe\r\n")

// dropSunsubscribes removes every whole sunsubscribe message (a RESP3
// push or a RESP2 array of three: kind, channel, count) from b, what one
// read returned; one split across reads passes.
func dropSunsubscribes(b []byte) []byte {
	from := 0
	for {
		i := bytes.Index(b[from:], sunsubscribe)
		if i < 0 {
			return b
		}
		i += from
		end := i + len(sunsubscribe)
		for range 3 { // the channel's length, the channel, the count
			j := bytes.Index(b[end:], []byte("\r\n"))
			if j < 0 {
				return b
			}
			end += j + 2
		}
		if start := i - 4; start >= 0 && (b[start] == '>' || b[start] == '*') && string(b[start+1:i]) == "3\r\n" {
			b = append(b[:start], b[end:]...)
			from = start
			continue
		}
		from = end
	}
}
