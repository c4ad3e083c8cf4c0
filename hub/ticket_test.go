package hub_test

import (
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/memstore"
)

// TestAdminTicketSecret: as Config.Secret's doc says, the secret signs
// admin tickets too: a ticket holds on every hub with the same secret and
// on none with another, and dies at its expiry.
func TestAdminTicketSecret(t *testing.T) {
	t.Parallel()
	newHub := func(secret string) *hub.Hub {
		h, err := hub.New(hub.Config{Store: &memstore.Store{}, Broker: &memstore.Broker{}, Secret: []byte(secret)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(h.Close)
		return h
	}
	a, same, other := newHub("s1"), newHub("s1"), newHub("s2")
	ticket := a.AdminTicket(time.Now().Add(time.Minute))
	if !a.CheckAdminTicket(ticket) || !same.CheckAdminTicket(ticket) {
		t.Error("a ticket is refused by a hub with the secret that signed it")
	}
	if other.CheckAdminTicket(ticket) {
		t.Error("a ticket is accepted by a hub with another secret")
	}
	if a.CheckAdminTicket(a.AdminTicket(time.Now().Add(-time.Minute))) {
		t.Error("an expired ticket is accepted")
	}
}
