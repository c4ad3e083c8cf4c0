package hub

import (
	"encoding/hex"
	"strconv"
	"strings"
)

// SameSHA256 reports whether declared is the SHA-256 sum whose plain hex
// form is sum: written as plain hex (either case), or as the old Java
// client writes it, byte by byte with Integer.toHexString(b & 0xff), so
// that bytes below 0x10 have one digit instead of two.
func SameSHA256(declared, sum string) bool {
	declared = strings.TrimSpace(declared)
	if strings.EqualFold(declared, sum) {
		return true
	}
	b, err := hex.DecodeString(sum)
	if err != nil {
		return false
	}
	return strings.EqualFold(declared, unpaddedHex(b))
}

// unpaddedHex writes each byte in hex without a leading zero.
func unpaddedHex(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		sb.WriteString(strconv.FormatUint(uint64(c), 16))
	}
	return sb.String()
}
