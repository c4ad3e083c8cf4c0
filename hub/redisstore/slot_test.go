package redisstore

import "testing"

// TestKeySlot: slots as Redis computes them (CLUSTER KEYSLOT).
func TestKeySlot(t *testing.T) {
	for _, tt := range []struct {
		key  string
		want int
	}{
		{"123456789", 12739}, // the CRC16 check value 0x31C3
		{"foo", 12182},
		{"x:{a}", 15495},
		{"callhub:cid:{a}", 15495},
		{"{a}", 15495},
		{"a{}b", 13694},  // empty tag: the whole key
		{"{}{a}", 13650}, // the first "{" counts
	} {
		if got := keySlot(tt.key); got != tt.want {
			t.Errorf("keySlot(%q) = %d, want %d", tt.key, got, tt.want)
		}
	}
}

// TestSlotTag: the probe channel of a node connection lands in the slot
// asked for, whichever it is.
func TestSlotTag(t *testing.T) {
	for _, slot := range []int{0, 1, 5460, 5461, 10922, 10923, 16383} {
		tag := slotTag(slot)
		if got := keySlot("p:probe:x:{" + tag + "}"); got != slot {
			t.Errorf("slotTag(%d) = %q, in slot %d", slot, tag, got)
		}
	}
}
