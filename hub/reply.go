package hub

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Reply is one answer a service posted for a cid. Offset is assigned by the
// Store when the reply is appended; it increases within a cid.
type Reply struct {
	CID    string          `json:"cid"`
	Seq    int             `json:"seq"`
	IsEnd  bool            `json:"isEnd"`
	Code   int             `json:"code"`
	Msg    string          `json:"msg"`
	Data   json.RawMessage `json:"data,omitempty"`
	File   *FileRef        `json:"file,omitempty"`
	Offset string          `json:"offset"`
	At     time.Time       `json:"at"`

	// Caller owns the cid; Prev is the offset of the reply before this one
	// ("" for the first). Both travel through the Broker so a subscriber can
	// route caller-wide subscriptions and notice a gap.
	Caller string `json:"caller,omitempty"`
	Prev   string `json:"prev,omitempty"`
}

// FileRef points at a stored file a reply carries.
type FileRef struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	URL    string `json:"url"`
}

// ReplyInput is what a service posts; Seq 0 means "the next one".
type ReplyInput struct {
	Seq   int             `json:"seq,omitempty"`
	IsEnd *bool           `json:"isEnd,omitempty"`
	Code  int             `json:"code,omitempty"`
	Msg   string          `json:"msg,omitempty"`
	Data  json.RawMessage `json:"data,omitempty"`
	File  *FileRef        `json:"file,omitempty"`
}

// Offsets have the form "<ms>-<n>" (a Redis stream id). OffsetLess orders
// them; an empty or malformed offset sorts before every valid one.
func OffsetLess(a, b string) bool {
	am, an := splitOffset(a)
	bm, bn := splitOffset(b)
	if am != bm {
		return am < bm
	}
	return an < bn
}

// ValidOffset reports whether s is "" or a well-formed offset.
func ValidOffset(s string) bool {
	if s == "" {
		return true
	}
	ms, n, ok := strings.Cut(s, "-")
	_, err1 := strconv.ParseUint(ms, 10, 64)
	_, err2 := strconv.ParseUint(n, 10, 64)
	return ok && err1 == nil && err2 == nil
}

func splitOffset(s string) (uint64, uint64) {
	ms, n, _ := strings.Cut(s, "-")
	a, err := strconv.ParseUint(ms, 10, 64)
	if err != nil {
		return 0, 0
	}
	b, _ := strconv.ParseUint(n, 10, 64)
	return a + 1, b // +1 so a malformed offset (0,0) sorts first
}
