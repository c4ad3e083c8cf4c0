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

// Tokens signs and checks everything the hub hands out with one secret,
// four kinds, each signed under its own name so that none passes for
// another:
//   - reply tokens ("rt."): let a service reply to one cid;
//   - ws tokens ("wt."): let their holder read one cid, for one caller,
//     until they expire;
//   - callbackIds ("cb."): name one step of an old middleware request to
//     its service, which answers with it instead of the cid;
//   - admin tickets ("wa."): open one console WebSocket as the admin
//     until they expire.
//
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

// appendMAC appends the base64 HMAC of parts to b: a token built in one
// buffer costs one string, not one per piece.
func (t *Tokens) appendMAC(b []byte, parts ...string) []byte {
	sum := t.sum(parts...)
	return base64.RawURLEncoding.AppendEncode(b, sum[:])
}

// tokenLen is room for a token of the usual sizes on the stack.
const tokenLen = 192

// checkMAC reports whether enc is the base64 HMAC of parts.
func (t *Tokens) checkMAC(enc string, parts ...string) bool {
	var got [sha256.Size + 3]byte
	n, err := base64.RawURLEncoding.Decode(got[:], []byte(enc))
	want := t.sum(parts...)
	return err == nil && n == sha256.Size && hmac.Equal(got[:n], want[:])
}

// ReplyToken returns the token that lets a service reply to cid.
func (t *Tokens) ReplyToken(cid string) string {
	var buf [tokenLen]byte
	return string(t.appendMAC(append(buf[:0], "rt."...), "reply", cid))
}

// CheckReplyToken reports whether tok is cid's reply token.
func (t *Tokens) CheckReplyToken(cid, tok string) bool {
	enc, ok := strings.CutPrefix(tok, "rt.")
	return ok && len(enc) == 43 && t.checkMAC(enc, "reply", cid)
}

// WSToken returns a token that lets its holder read cid, owned by caller,
// until exp.
func (t *Tokens) WSToken(cid, caller string, exp time.Time) string {
	var buf [tokenLen]byte
	e := strconv.FormatInt(exp.Unix(), 10)
	b := append(append(append(buf[:0], "wt."...), e...), '.')
	b = append(base64.RawURLEncoding.AppendEncode(b, []byte(caller)), '.')
	return string(t.appendMAC(b, "ws", cid, caller, e))
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

// CallbackStep is the request step a callbackId was issued for.
type CallbackStep struct {
	CID   string
	Seq   int
	IsEnd bool // the step was the last of its cid
}

// CallbackID returns the callbackId of step seq of cid: the form field
// the old middleware handed a service with each async request, which old
// services answer with (bReq=0) instead of the cid. It names the cid,
// the step and whether the step is the last, and is signed, so it cannot
// be guessed or altered.
func (t *Tokens) CallbackID(cid string, seq int, end bool) string {
	step := strconv.Itoa(seq)
	if end {
		step += "e"
	}
	var buf [tokenLen]byte
	b := append(base64.RawURLEncoding.AppendEncode(append(buf[:0], "cb."...), []byte(cid)), '.')
	b = append(append(b, step...), '.')
	return string(t.appendMAC(b, "callbackId", cid, step))
}

// CheckCallbackID returns the step a callbackId names, if the hub issued
// it.
func (t *Tokens) CheckCallbackID(id string) (CallbackStep, bool) {
	parts := strings.Split(id, ".")
	if len(parts) != 4 || parts[0] != "cb" {
		return CallbackStep{}, false
	}
	cid, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || !ValidCID(string(cid)) {
		return CallbackStep{}, false
	}
	num, end := strings.CutSuffix(parts[2], "e")
	seq, err := strconv.Atoi(num)
	if err != nil || seq < 1 || seq > maxSeq || strconv.Itoa(seq) != num {
		return CallbackStep{}, false
	}
	want := t.CallbackID(string(cid), seq, end)
	if !hmac.Equal([]byte(id), []byte(want)) {
		return CallbackStep{}, false
	}
	return CallbackStep{CID: string(cid), Seq: seq, IsEnd: end}, true
}

// AdminTicket returns a ticket that lets a browser open one WebSocket as
// the admin until exp: browsers cannot put a key on a WebSocket, so the
// console trades its admin key for a short-lived ticket first.
func (t *Tokens) AdminTicket(exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	return "wa." + e + "." + t.mac("admin-ws", e)
}

// CheckAdminTicket reports whether tok is an admin ticket valid at now.
func (t *Tokens) CheckAdminTicket(tok string, now time.Time) bool {
	e, mac, ok := strings.Cut(strings.TrimPrefix(tok, "wa."), ".")
	exp, err := strconv.ParseInt(e, 10, 64)
	if !ok || !strings.HasPrefix(tok, "wa.") || err != nil || now.Unix() > exp {
		return false
	}
	return hmac.Equal([]byte(mac), []byte(t.mac("admin-ws", e)))
}
