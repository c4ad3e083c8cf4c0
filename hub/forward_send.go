package hub

import (
	"net/http"

	"github.com/callhub/callhub/internal/roundtrip"
)

// send sends a forward as h.client.Do does. The default client follows
// no redirect (a 3xx is the service's answer), so the request goes
// straight through its transport (roundtrip.Do), without the copy of its
// headers Do makes for redirects. A configured Client is used as it is.
func (h *Hub) send(hr *http.Request) (*http.Response, error) {
	if h.direct == nil {
		return h.client.Do(hr)
	}
	return roundtrip.Do(h.direct, hr)
}
