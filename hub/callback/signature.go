package callback

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Receivers verify signatures with the SDK's hubclient.VerifyWebhook,
// pinned to SignWebhook by api's TestSDKVerifiesHubSignature.

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
