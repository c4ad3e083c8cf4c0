package hubtest

import (
	"context"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
)

// testLegacyRecord: a record made through the old endpoints keeps its
// Legacy mark through CreateRequest, Lookup and Get; any other does not
// gain one.
func testLegacyRecord(t *testing.T, b Backend) {
	ctx := context.Background()
	cid := newCID(t)
	_, created, err := b.Store.CreateRequest(ctx, hub.Record{CID: cid, ServiceID: "svc", Caller: "shop",
		State: hub.StatePending, CreatedAt: time.Now(), Legacy: true,
		Callback: &hub.Callback{URL: "/cb", Method: "GET"}})
	if err != nil || !created {
		t.Fatalf("CreateRequest = created %v, %v; want created", created, err)
	}
	existing, _, err := b.Store.CreateRequest(ctx, hub.Record{CID: cid, ServiceID: "svc", Caller: "shop", CreatedAt: time.Now()})
	if err != nil || !existing.Legacy {
		t.Errorf("existing record = legacy %v, %v; want legacy", existing.Legacy, err)
	}
	if rec, err := b.Store.Lookup(ctx, cid); err != nil || !rec.Legacy {
		t.Errorf("Lookup = legacy %v, %v; want legacy", rec.Legacy, err)
	}
	if rec, err := b.Store.Get(ctx, cid); err != nil || !rec.Legacy {
		t.Errorf("Get = %+v, %v; want legacy", rec, err)
	}
	if a, err := b.Store.AppendReply(ctx, hub.Reply{CID: cid, Seq: 1}); err != nil || !a.Record.Legacy {
		t.Errorf("AppendReply = %+v, %v; want the record's legacy mark, for its callback", a.Record, err)
	}
	if rec, err := b.Store.Lookup(ctx, create(t, b.Store)); err != nil || rec.Legacy {
		t.Errorf("Lookup of a v1 record = legacy %v, %v; want not legacy", rec.Legacy, err)
	}
}
