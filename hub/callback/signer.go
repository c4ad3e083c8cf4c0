package callback

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

// signer signs one caller's callbacks: its secret decoded once, and its
// keyed HMACs reused, as SignWebhook would sign them.
type signer struct {
	key  []byte
	err  error // a malformed secret: every callback fails to sign
	macs sync.Pool
}

func newSigner(secret string) *signer {
	s := &signer{}
	s.key, s.err = webhookKey(secret)
	s.macs.New = func() any { return hmac.New(sha256.New, s.key) }
	return s
}

// sign returns what SignWebhook(secret, msgID, ts, content) returns.
func (s *signer) sign(msgID string, ts time.Time, content []byte) (string, error) {
	if s.err != nil {
		return "", s.err
	}
	m := s.macs.Get().(hash.Hash)
	defer s.macs.Put(m)
	m.Reset()
	var head [96]byte
	b := append(head[:0], msgID...)
	b = append(b, '.')
	b = strconv.AppendInt(b, ts.Unix(), 10)
	m.Write(append(b, '.'))
	m.Write(content)
	var sum [sha256.Size]byte
	var enc [44]byte // base64.StdEncoding.EncodedLen(sha256.Size)
	base64.StdEncoding.Encode(enc[:], m.Sum(sum[:0]))
	var out strings.Builder
	out.Grow(3 + len(enc))
	out.WriteString("v1,")
	out.Write(enc[:])
	return out.String(), nil
}
