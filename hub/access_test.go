package hub_test

import (
	"errors"
	"testing"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/memstore"
)

// TestFrontDoorRules: who may send, use the admin operations and get
// past the front door, on a closed hub, an open one, and an open one
// with an admin key — the rules api asks the hub for.
func TestFrontDoorRules(t *testing.T) {
	newHub := func(open, adminKeyed bool) *hub.Hub {
		h, err := hub.New(hub.Config{Store: &memstore.Store{}, Broker: &memstore.Broker{}, Secret: []byte("k"),
			Open: open, AdminKeyed: adminKeyed})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(h.Close)
		return h
	}
	closed, open, openKeyed := newHub(false, true), newHub(true, false), newHub(true, true)
	nobody, shop := hub.Principal{}, hub.Principal{Kind: hub.KindCaller, ID: "shop"}
	admin, svc := hub.Principal{Kind: hub.KindAdmin, ID: "admin"}, hub.Principal{Kind: hub.KindService, ID: "svc"}
	token := hub.Principal{Token: "wt.x"}
	kind := func(err error) error {
		for _, k := range []error{hub.ErrUnauthorized, hub.ErrForbidden} {
			if errors.Is(err, k) {
				return k
			}
		}
		return err
	}
	for _, tt := range []struct {
		name string
		got  error
		want error
	}{
		{"closed: a caller sends", second(closed.Sender(shop)), nil},
		{"closed: nobody sends", second(closed.Sender(nobody)), hub.ErrUnauthorized},
		{"closed: a service sends", second(closed.Sender(svc)), hub.ErrForbidden},
		{"open: nobody sends", second(open.Sender(nobody)), nil},
		{"closed: the admin", closed.AuthorizeAdmin(admin), nil},
		{"closed: nobody as admin", closed.AuthorizeAdmin(nobody), hub.ErrUnauthorized},
		{"closed: a caller as admin", closed.AuthorizeAdmin(shop), hub.ErrForbidden},
		{"open: nobody as admin", open.AuthorizeAdmin(nobody), nil},
		{"open with an admin key: nobody as admin", openKeyed.AuthorizeAdmin(nobody), hub.ErrUnauthorized},
		{"closed: nobody at the door", closed.Presented(nobody, "a key"), hub.ErrUnauthorized},
		{"closed: a token at the door", closed.Presented(token, "a key"), nil},
		{"closed: a key at the door", closed.Presented(svc, "a key"), nil},
		{"open: nobody at the door", open.Presented(nobody, "a key"), nil},
	} {
		if got := kind(tt.got); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if caller, _ := open.Sender(nobody); caller != hub.OpenCaller {
		t.Errorf("an open hub's keyless sender is %q, want %q", caller, hub.OpenCaller)
	}
}

func second[T any](_ T, err error) error { return err }
