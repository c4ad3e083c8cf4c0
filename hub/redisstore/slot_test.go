package redisstore

import (
	"math/rand/v2"
	"testing"
)

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

// TestCRC16Table: the table-driven CRC16 is the bitwise one, byte by
// byte, for every byte value and random keys.
func TestCRC16Table(t *testing.T) {
	bitwise := func(s string) uint16 {
		var crc uint16
		for i := 0; i < len(s); i++ {
			crc ^= uint16(s[i]) << 8
			for range 8 {
				if crc&0x8000 != 0 {
					crc = crc<<1 ^ 0x1021
				} else {
					crc <<= 1
				}
			}
		}
		return crc
	}
	var keys []string
	for b := range 256 {
		keys = append(keys, string([]byte{byte(b)}), "cid-"+string([]byte{byte(b), byte(255 - b)}))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		k := make([]byte, r.IntN(64))
		for i := range k {
			k[i] = byte(r.Uint32())
		}
		keys = append(keys, string(k))
	}
	for _, k := range keys {
		if got, want := crc16(k), bitwise(k); got != want {
			t.Fatalf("crc16(%q) = %#04x, want %#04x", k, got, want)
		}
	}
}
