package hubclient

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrSignature is a callback whose Standard Webhooks headers do not
// verify: a missing header, a timestamp outside the tolerance, or no
// matching signature.
var ErrSignature = errors.New("hubclient: bad webhook signature")

// WebhookTolerance is how far a callback's webhook-timestamp may be from
// the receiver's clock for VerifyWebhook.
const WebhookTolerance = 5 * time.Minute

// maxCallbackBytes bounds the body VerifyWebhook reads.
const maxCallbackBytes = 32 << 20

// VerifyWebhook checks the signature of a callback the hub sent to r,
// with the caller's webhook secret ("whsec_" and base64), and returns the
// signed content: the raw query string of a GET callback, the body of any
// other (r.Body is replaced, so it can be read again). A POST callback's
// body is the reply as JSON (decode it into a Reply); a GET callback's
// query holds its fields. It returns an error matching ErrSignature when
// the callback does not verify.
func VerifyWebhook(r *http.Request, secret string) ([]byte, error) {
	content := []byte(r.URL.RawQuery)
	if r.Method != http.MethodGet {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxCallbackBytes+1))
		if err != nil {
			return nil, fmt.Errorf("read callback: %w", err)
		}
		if len(b) > maxCallbackBytes {
			return nil, fmt.Errorf("read callback: larger than %d bytes", maxCallbackBytes)
		}
		r.Body, content = io.NopCloser(bytes.NewReader(b)), b
	}
	return content, VerifySignature(secret, r.Header, content, time.Now(), WebhookTolerance)
}

// VerifySignature checks the webhook-id, webhook-timestamp and
// webhook-signature headers of a callback against its content, as the
// Standard Webhooks specification says: the timestamp must be within
// tolerance of now, and one "v1,<base64 HMAC-SHA256 of
// id.timestamp.content>" entry of the space-separated signatures must
// match (compared in constant time). It returns an error matching
// ErrSignature when they do not verify, and another error when secret is
// malformed.
func VerifySignature(secret string, h http.Header, content []byte, now time.Time, tolerance time.Duration) error {
	key, err := webhookKey(secret)
	if err != nil {
		return err
	}
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
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
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "."))
	m.Write(content)
	want := []byte(base64.StdEncoding.EncodeToString(m.Sum(nil)))
	for _, sig := range strings.Fields(sigs) {
		v, mac, ok := strings.Cut(sig, ",")
		if ok && v == "v1" && hmac.Equal([]byte(mac), want) {
			return nil
		}
	}
	return fmt.Errorf("%w: no v1 signature matches", ErrSignature)
}

// webhookKey decodes a "whsec_<base64>" secret into its HMAC key.
func webhookKey(secret string) ([]byte, error) {
	b64, ok := strings.CutPrefix(secret, "whsec_")
	key, err := base64.StdEncoding.DecodeString(b64)
	if !ok || err != nil || len(key) == 0 {
		return nil, errors.New(`hubclient: webhook secret must be "whsec_" followed by non-empty base64`)
	}
	return key, nil
}
