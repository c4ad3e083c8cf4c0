package callback

import (
	"net/http"

	"github.com/callhub/callhub/internal/roundtrip"
)

// send sends a callback's request as http.Client.Do does with a client
// that follows no redirect (a 3xx is the answer): with Config.Client when
// set, else straight through the caller's transport (roundtrip.Do),
// without the copy of its headers Do makes for redirects.
func (d *Deliverer) send(caller string, req *http.Request) (*http.Response, error) {
	if d.client != nil {
		return d.client.Do(req)
	}
	return roundtrip.Do(d.transportFor(caller), req)
}
