package hubclient

import (
	"sync"
	"sync/atomic"
	"time"
)

// DefaultDeadAfter is how long a followed connection may carry nothing
// before Next takes the hub for gone, when Client.DeadAfter is zero: the
// hub pings a connection after 30 s without traffic, so two missed pings
// and some slack.
const DefaultDeadAfter = 75 * time.Second

// watchdog cuts a connection that has carried nothing, no frame and no
// ping, for limit: a hub that vanished without closing (a crash of its
// host, a dropped route) would otherwise leave Next waiting forever.
type watchdog struct {
	limit time.Duration
	last  atomic.Int64 // unix nanoseconds of the last frame or ping
	stopc chan struct{}
	once  sync.Once
}

func newWatchdog(limit time.Duration) *watchdog {
	w := &watchdog{limit: limit, stopc: make(chan struct{})}
	w.seen()
	return w
}

// seen records traffic.
func (w *watchdog) seen() { w.last.Store(time.Now().UnixNano()) }

// start watches until stop, calling cut once when the silence reaches
// the limit.
func (w *watchdog) start(cut func()) {
	go func() {
		t := time.NewTicker(w.limit / 4)
		defer t.Stop()
		for {
			select {
			case <-w.stopc:
				return
			case now := <-t.C:
				if now.Sub(time.Unix(0, w.last.Load())) >= w.limit {
					cut()
					return
				}
			}
		}
	}()
}

func (w *watchdog) stop() { w.once.Do(func() { close(w.stopc) }) }
