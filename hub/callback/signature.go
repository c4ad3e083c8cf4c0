package callback

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrSignature is a received webhook whose headers do not verify: a
// missing header, a timestamp outside the tolerance, or no matching
// signature.
var ErrSignature = errors.New("callback: bad webhook signature")

// errSecret is a webhook secret that is not "whsec_" and base64.
var errSecret = errors.New(`webhook secret must be "whsec_" followed by non-empty base64`)

// webhookKey decodes a "whsec_<base64>" secret into its HMAC key.
func webhookKey(secret string) ([]byte, error) {
	b64, ok := strings.CutPrefix(secret, "whsec_")
	if !ok {
		return nil, errSecret
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) == 0 {
		return nil, errSecret
	}
	return key, nil
}

// SignWebhook returns the Standard Webhooks webhook-signature header value
// "v1,<base64 HMAC-SHA256 of msgID.unix-seconds.content>", keyed by the
// base64 part of secret ("whsec_<base64>"). It fails only on a malformed
// secret.
func SignWebhook(secret, msgID string, ts time.Time, content []byte) (string, error) {
	key, err := webhookKey(secret)
	if err != nil {
		return "", err
	}
	return "v1," + webhookMAC(key, msgID, strconv.FormatInt(ts.Unix(), 10), content), nil
}

// webhookMAC is the base64 HMAC-SHA256 of "msgID.ts.content".
func webhookMAC(key []byte, msgID, ts string, content []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msgID + "." + ts + "."))
	m.Write(content)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// VerifyWebhook checks a received callback's webhook-id, webhook-timestamp
// and webhook-signature headers against secret and the raw body content:
// the timestamp must be within tolerance of now, and one "v1,<sig>" entry
// of the space-separated signature list must match, compared in constant
// time. It returns an error matching ErrSignature when they do not verify,
// and another error when secret is malformed.
func VerifyWebhook(secret string, header http.Header, content []byte, now time.Time, tolerance time.Duration) error {
	key, err := webhookKey(secret)
	if err != nil {
		return err
	}
	id, ts, sigs := header.Get("webhook-id"), header.Get("webhook-timestamp"), header.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return fmt.Errorf("%w: missing webhook-id, webhook-timestamp or webhook-signature", ErrSignature)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: webhook-timestamp %q is not unix seconds", ErrSignature, ts)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: webhook-timestamp %s is outside the tolerance", ErrSignature, ts)
	}
	want := []byte(webhookMAC(key, id, ts, content))
	for _, sig := range strings.Fields(sigs) {
		v, mac, ok := strings.Cut(sig, ",")
		if ok && v == "v1" && hmac.Equal([]byte(mac), want) {
			return nil
		}
	}
	return fmt.Errorf("%w: no v1 signature matches", ErrSignature)
}
