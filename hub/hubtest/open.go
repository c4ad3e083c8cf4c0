package hubtest

import (
	"context"
	"testing"
	"time"

	"github.com/callhub/callhub/hub"
)

// testOpenStep: a StepOpener creates the record and reserves the step in
// one call; again, it answers the stored record and step; for another
// caller's cid it reserves nothing.
func testOpenStep(t *testing.T, b Backend) {
	o, ok := b.Store.(hub.StepOpener)
	if !ok {
		t.Skip("the store opens steps in two calls (CreateRequest, BeginStep)")
	}
	ctx := context.Background()
	dl := time.UnixMilli(time.Now().Add(time.Hour).UnixMilli()).UTC()
	rec := hub.Record{CID: newCID(t), ServiceID: "svc", Caller: "shop", State: hub.StatePending, Mode: hub.ModeAsync,
		CreatedAt: time.Now(), DeadlineAt: &dl}
	if _, created, _, fresh, err := o.OpenStep(ctx, rec, hub.Step{Seq: 1}); err != nil || !created || !fresh {
		t.Fatalf("OpenStep of a new cid = created %v fresh %v, %v; want both", created, fresh, err)
	}
	stored, created, st, fresh, err := o.OpenStep(ctx, rec, hub.Step{Seq: 1})
	if err != nil || created || fresh || st.Seq != 1 || st.Done {
		t.Fatalf("OpenStep again = created %v fresh %v step %+v, %v; want the unfinished step", created, fresh, st, err)
	}
	if stored.Caller != "shop" || stored.DeadlineAt == nil || !stored.DeadlineAt.Equal(dl) {
		t.Errorf("stored record = %+v, want shop's with its deadline", stored)
	}
	if _, _, _, fresh, err := o.OpenStep(ctx, rec, hub.Step{Seq: 2}); err != nil || !fresh {
		t.Errorf("OpenStep of step 2 = fresh %v, %v; want fresh", fresh, err)
	}
	other := rec
	other.Caller = "intruder"
	stored, created, _, fresh, err = o.OpenStep(ctx, other, hub.Step{Seq: 3})
	if err != nil || created || fresh || stored.Caller != "shop" {
		t.Fatalf("OpenStep by another caller = created %v fresh %v owner %q, %v; want shop's record, nothing reserved",
			created, fresh, stored.Caller, err)
	}
	if _, fresh, err := b.Store.BeginStep(ctx, rec.CID, hub.Step{Seq: 3}); err != nil || !fresh {
		t.Errorf("step 3 after another caller's try: fresh %v, %v; want it still free", fresh, err)
	}
	if _, err := b.Store.Lookup(ctx, rec.CID); err != nil {
		t.Errorf("Lookup of the opened cid: %v", err)
	}
}
