package hub

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Tokens signs and checks everything the hub hands out with one secret.
// Reply tokens let a service reply to one cid; ws tokens let a browser
// read one cid until they expire; callbackIds (callbackid.go) name one
// step of an old middleware request to its service; admin tickets
// (ticket.go) open one console WebSocket as the admin until they expire.
// Changing the secret voids them all. Set Secret before first use and do
// not copy a Tokens after; it is safe for concurrent use.
type Tokens struct {
	Secret []byte

	once sync.Once
	macs sync.Pool // of *macState
}

// macState is an HMAC-SHA256 keyed with the secret and the scratch space
// of one sum. The hash is an interface, so what it reads and writes
// would escape to the heap if it lived on the caller's stack.
type macState struct {
	mac hash.Hash
	msg [256]byte
	sum [sha256.Size]byte
}

// sum is the HMAC of parts joined by NUL bytes, computed without
// allocating on the usual sizes.
func (t *Tokens) sum(parts ...string) [sha256.Size]byte {
	t.once.Do(func() { t.macs.New = func() any { return &macState{mac: hmac.New(sha256.New, t.Secret)} } })
	st := t.macs.Get().(*macState)
	msg := st.msg[:0]
	for i, p := range parts {
		if i > 0 {
			msg = append(msg, 0)
		}
		msg = append(msg, p...)
	}
	st.mac.Reset()
	st.mac.Write(msg)
	sum := [sha256.Size]byte(st.mac.Sum(st.sum[:0]))
	t.macs.Put(st)
	return sum
}

func (t *Tokens) mac(parts ...string) string {
	sum := t.sum(parts...)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// checkMAC reports whether enc is the base64 HMAC of parts.
func (t *Tokens) checkMAC(enc string, parts ...string) bool {
	var got [sha256.Size + 3]byte
	n, err := base64.RawURLEncoding.Decode(got[:], []byte(enc))
	want := t.sum(parts...)
	return err == nil && n == sha256.Size && hmac.Equal(got[:n], want[:])
}

// ReplyToken returns the token that lets a service reply to cid.
func (t *Tokens) ReplyToken(cid string) string { return "rt." + t.mac("reply", cid) }

// CheckReplyToken reports whether tok is cid's reply token.
func (t *Tokens) CheckReplyToken(cid, tok string) bool {
	enc, ok := strings.CutPrefix(tok, "rt.")
	return ok && len(enc) == 43 && t.checkMAC(enc, "reply", cid)
}

// WSToken returns a token that lets its holder read cid, owned by caller,
// until exp.
func (t *Tokens) WSToken(cid, caller string, exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	return "wt." + e + "." + base64.RawURLEncoding.EncodeToString([]byte(caller)) + "." + t.mac("ws", cid, caller, e)
}

// CheckWSToken returns the caller a ws token was issued to, if tok is valid
// for cid at now.
func (t *Tokens) CheckWSToken(cid, tok string, now time.Time) (caller string, ok bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 4 || parts[0] != "wt" {
		return "", false
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || now.Unix() > exp {
		return "", false
	}
	c, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return "", false
	}
	want := t.mac("ws", cid, string(c), parts[1])
	if !hmac.Equal([]byte(parts[3]), []byte(want)) {
		return "", false
	}
	return string(c), true
}
