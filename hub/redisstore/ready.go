package redisstore

import "github.com/redis/go-redis/v9"

// readyScript is the write Ping makes: a key that soon expires.
var readyScript = redis.NewScript(`redis.call('SET', KEYS[1], '1', 'PX', 60000) return 1`)

// readyPoolSize is how many connections per node Ping's clients hold:
// two, so that a /readyz and a metrics scrape at once need not wait for
// each other.
const readyPoolSize = 2

// openReady makes the Store Ping writes through: s's options and bounds
// on clients of its own, which no other call uses, with no autopipeliner
// and no pipeline pool. A pool starved by slow or blocking calls (a burst
// of writes waiting for lagging replicas, say) then leaves Ping its
// connection: /readyz tells whether Redis takes writes, not whether the
// shared pool had a connection free within its bound, and does not flap
// under load.
func (s *Store) openReady(opts *redis.UniversalOptions, bound boundHook) *Store {
	o := *opts
	o.PoolSize, o.MinIdleConns, o.MaxIdleConns, o.PipelinePoolSize = readyPoolSize, 0, readyPoolSize, -1
	r := &Store{prefix: s.prefix, retention: s.retention, publish: s.publish, wait: s.wait}
	r.rdb, r.topo = newClient(&o, bound)
	r.batched = r.rdb
	return r
}

// closeClients closes s's go-redis clients.
func (s *Store) closeClients() error {
	if s.topo != nil {
		s.topo.close()
	}
	return s.rdb.Close()
}
