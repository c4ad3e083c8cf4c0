package callback

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"
)

const specSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// TestSignWebhookSpecVector checks the Standard Webhooks test vector.
func TestSignWebhookSpecVector(t *testing.T) {
	t.Parallel()
	got, err := SignWebhook(specSecret, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; err != nil || got != want {
		t.Errorf("SignWebhook(spec vector) = %q, %v; want %q", got, err, want)
	}
}

// handSign is the signature computed by hand from the spec's words,
// independently of SignWebhook.
func handSign(tb testing.TB, secret, id string, ts int64, content string) string {
	tb.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		tb.Fatal(err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + strconv.FormatInt(ts, 10) + "." + content))
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func TestSignWebhook(t *testing.T) {
	t.Parallel()
	other := "whsec_" + base64.StdEncoding.EncodeToString([]byte("another key, 32 bytes long......"))
	tests := []struct {
		secret, id string
		ts         int64
		content    string
	}{
		{specSecret, "c1.1", 1700000000, `{"code":0,"data":{"x":1}}`},
		{specSecret, "c1.2", 0, ""},
		{other, "0190a3f2-1b2c.17", 1999999999, "x=1&y=%C3%A9"},
		{other, "id.with.dots", 1614265330, "\x00binary\xff"},
	}
	for _, tt := range tests {
		got, err := SignWebhook(tt.secret, tt.id, time.Unix(tt.ts, 999), []byte(tt.content))
		want := handSign(t, tt.secret, tt.id, tt.ts, tt.content)
		if err != nil || got != want {
			t.Errorf("SignWebhook(%q, %d) = %q, %v; want %q", tt.id, tt.ts, got, err, want)
		}
		s := newSigner(tt.secret)
		for range 2 { // the second time on a reused HMAC
			if got, err := s.sign(tt.id, time.Unix(tt.ts, 999), []byte(tt.content)); err != nil || got != want {
				t.Errorf("signer.sign(%q, %d) = %q, %v; want %q", tt.id, tt.ts, got, err, want)
			}
		}
	}
}

func TestSignWebhookBadSecret(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{"", "nope", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_not base64!", "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"} {
		if sig, err := SignWebhook(secret, "id", time.Unix(1, 0), nil); err == nil {
			t.Errorf("SignWebhook(secret %q) = %q, want an error", secret, sig)
		}
		if sig, err := newSigner(secret).sign("id", time.Unix(1, 0), nil); err == nil {
			t.Errorf("signer.sign(secret %q) = %q, want an error", secret, sig)
		}
	}
}
