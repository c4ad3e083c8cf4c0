package redisstore

import (
	"strconv"
	"strings"
)

// slotCount is the number of Redis Cluster hash slots.
const slotCount = 16384

// keySlot is the Cluster hash slot of a key or shard channel: CRC16
// (XMODEM) of its hash tag, the part between the first "{" and the next
// "}" when that part is not empty, else of the whole key.
func keySlot(key string) int {
	return int(crc16(hashTag(key))) % slotCount
}

// hashTag is the part of key that Cluster hashes.
func hashTag(key string) string {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			return key[i+1 : i+1+j]
		}
	}
	return key
}

// crc16 is CRC-16/XMODEM (polynomial 0x1021, initial 0), as Cluster uses,
// a byte at a time from crc16Table: every queue and list key of a cid
// is placed by it, several times a request.
func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc = crc<<8 ^ crc16Table[byte(crc>>8)^s[i]]
	}
	return crc
}

// crc16Table is the CRC of each byte value shifted to the top.
var crc16Table = func() (t [256]uint16) {
	for i := range t {
		crc := uint16(i) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
		t[i] = crc
	}
	return t
}()

// slotTag is a hash tag whose keys fall in slot: the first of "0", "1",
// "2", ... that does. Slots are spread evenly, so a few ten thousand
// tries find any.
func slotTag(slot int) string {
	for i := 0; ; i++ {
		if tag := strconv.Itoa(i); keySlot(tag) == slot {
			return tag
		}
	}
}
