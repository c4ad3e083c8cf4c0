package callback

import "sync"

// resolvedURLs remembers the absolute callback urls of configured hosts
// (a caller's callbackBase host, an exact allowCallbackHosts entry), by
// caller and url as the request gave it. Resolving one parses it and the
// callbackBase and joins them, at submit and again for each reply; the
// answer depends on the caller's policy and the url alone, no DNS. A url
// on any other host is not remembered: what its name resolves to may
// change. The dialer checks every connection whatever was remembered.
type resolvedURLs struct {
	mu sync.Mutex
	m  map[resolveKey]string
}

type resolveKey struct{ caller, raw string }

// maxResolved bounds the urls remembered; past it they are forgotten
// and remembered afresh.
const maxResolved = 4096

func (r *resolvedURLs) get(k resolveKey) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.m[k]
	return s, ok
}

func (r *resolvedURLs) put(k resolveKey, s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil || len(r.m) >= maxResolved {
		r.m = make(map[resolveKey]string)
	}
	r.m[k] = s
}
