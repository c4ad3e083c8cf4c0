package hub

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrSignature is a webhook whose signature does not verify.
var ErrSignature = errors.New("hub: bad webhook signature")

// webhookKey decodes a "whsec_<base64>" secret.
func webhookKey(secret string) ([]byte, error) {
	b64, ok := strings.CutPrefix(secret, "whsec_")
	if !ok {
		return nil, errors.New("webhook secret must start with whsec_")
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errors.New("webhook secret: bad base64 after whsec_")
	}
	return key, nil
}

// SignWebhook returns the Standard Webhooks signature header value
// "v1,<base64 HMAC-SHA256 of msgID.timestamp.content>".
func SignWebhook(secret, msgID string, ts time.Time, content []byte) (string, error) {
	key, err := webhookKey(secret)
	if err != nil {
		return "", err
	}
	return "v1," + webhookMAC(key, msgID, strconv.FormatInt(ts.Unix(), 10), content), nil
}

func webhookMAC(key []byte, msgID, ts string, content []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msgID + "." + ts + "."))
	m.Write(content)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// VerifyWebhook checks the webhook-id, webhook-timestamp and
// webhook-signature headers of a received callback against secret: one
// v1 signature must match, and the timestamp be within tolerance of now.
func VerifyWebhook(secret string, h http.Header, content []byte, now time.Time, tolerance time.Duration) error {
	key, err := webhookKey(secret)
	if err != nil {
		return err
	}
	id, ts := h.Get("webhook-id"), h.Get("webhook-timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.Join(ErrSignature, errors.New("bad webhook-timestamp"))
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return errors.Join(ErrSignature, errors.New("webhook-timestamp outside tolerance"))
	}
	want := webhookMAC(key, id, ts, content)
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		v, mac, ok := strings.Cut(sig, ",")
		if ok && v == "v1" && hmac.Equal([]byte(mac), []byte(want)) {
			return nil
		}
	}
	return ErrSignature
}
