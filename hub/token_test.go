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

// TestTokenKindsApart: a token of one kind never passes for another,
// though one secret signs them all.
func TestTokenKindsApart(t *testing.T) {
	t.Parallel()
	tk := &hub.Tokens{Secret: []byte("s")}
	now := time.Now()
	exp := now.Add(time.Hour)
	tokens := map[string]string{
		"reply":    tk.ReplyToken("c1"),
		"ws":       tk.WSToken("c1", "shop", exp),
		"callback": tk.CallbackID("c1", 1, true),
		"admin":    tk.AdminTicket(exp),
	}
	for kind, tok := range tokens {
		passes := map[string]bool{
			"reply":    tk.CheckReplyToken("c1", tok),
			"callback": func() bool { _, ok := tk.CheckCallbackID(tok); return ok }(),
			"admin":    tk.CheckAdminTicket(tok, now),
		}
		_, passes["ws"] = tk.CheckWSToken("c1", tok, now)
		for as, ok := range passes {
			if ok != (as == kind) {
				t.Errorf("a %s token checked as a %s token: %v", kind, as, ok)
			}
		}
	}
}
