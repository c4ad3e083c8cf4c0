package callback

import "testing"

// TestDeliveryIDs: a delivery id parses back into its cid (dots and all)
// and seq, and only as DeliveryID spells it; ValidDeliveryID also wants a
// valid, non-empty cid and a seq of at least 1.
func TestDeliveryIDs(t *testing.T) {
	for _, tt := range []struct{ cid string }{{"c"}, {"a.b.c"}, {"01a253b8-4545-7611-84e5-d7b180c2968e"}} {
		for _, seq := range []int{1, 9, 10, 123456} {
			id := DeliveryID(tt.cid, seq)
			if cid, s, ok := SplitDeliveryID(id); !ok || cid != tt.cid || s != seq {
				t.Errorf("SplitDeliveryID(%q) = %q, %d, %v; want %q, %d", id, cid, s, ok, tt.cid, seq)
			}
			if !ValidDeliveryID(id) {
				t.Errorf("ValidDeliveryID(%q) = false", id)
			}
		}
	}
	for _, id := range []string{"c", "c.", "c.x", "c.01", "c.+1", "c.-1", "c.0", "c.1 ", ".1", "c.1.5e0", "c/d.1"} {
		if ValidDeliveryID(id) {
			t.Errorf("ValidDeliveryID(%q) = true", id)
		}
	}
	for _, id := range []string{"c.01", "c.+1", "c. 1", "c.1_0"} {
		if _, _, ok := SplitDeliveryID(id); ok {
			t.Errorf("SplitDeliveryID(%q) parses: not as DeliveryID spells any id", id)
		}
	}
}
