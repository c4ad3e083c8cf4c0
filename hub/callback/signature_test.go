package callback

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
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
		if want := handSign(t, tt.secret, tt.id, tt.ts, tt.content); err != nil || got != want {
			t.Errorf("SignWebhook(%q, %d) = %q, %v; want %q", tt.id, tt.ts, got, err, want)
		}
	}
}

func TestSignWebhookBadSecret(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{"", "nope", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_not base64!", "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"} {
		if sig, err := SignWebhook(secret, "id", time.Unix(1, 0), nil); err == nil {
			t.Errorf("SignWebhook(secret %q) = %q, want an error", secret, sig)
		}
		if err := VerifyWebhook(secret, http.Header{}, nil, time.Unix(1, 0), time.Minute); err == nil || errors.Is(err, ErrSignature) {
			t.Errorf("VerifyWebhook(secret %q) = %v, want a secret error", secret, err)
		}
	}
}

func TestVerifyWebhook(t *testing.T) {
	t.Parallel()
	const ts = 1614265330
	now, body := time.Unix(ts, 0), `{"a":1}`
	good := handSign(t, specSecret, "c.1", ts, body)
	other := "whsec_" + base64.StdEncoding.EncodeToString([]byte("some other key"))
	tests := []struct {
		name    string
		secret  string
		id, ts  string
		sig     string
		body    string
		now     time.Time
		wantErr bool
	}{
		{"valid", specSecret, "c.1", "1614265330", good, body, now, false},
		{"one of several", specSecret, "c.1", "1614265330", "v1,bogus v1a,xyz " + good, body, now, false},
		{"at tolerance, late", specSecret, "c.1", "1614265330", good, body, now.Add(5 * time.Minute), false},
		{"at tolerance, early", specSecret, "c.1", "1614265330", good, body, now.Add(-5 * time.Minute), false},
		{"tampered body", specSecret, "c.1", "1614265330", good, `{"a":2}`, now, true},
		{"tampered id", specSecret, "c.2", "1614265330", good, body, now, true},
		{"tampered timestamp", specSecret, "c.1", "1614265331", good, body, now, true},
		{"wrong secret", other, "c.1", "1614265330", good, body, now, true},
		{"too old", specSecret, "c.1", "1614265330", good, body, now.Add(5*time.Minute + time.Second), true},
		{"from the future", specSecret, "c.1", "1614265330", good, body, now.Add(-5*time.Minute - time.Second), true},
		{"bad timestamp", specSecret, "c.1", "yesterday", good, body, now, true},
		{"wrong version", specSecret, "c.1", "1614265330", "v2," + strings.TrimPrefix(good, "v1,"), body, now, true},
		{"no signature", specSecret, "c.1", "1614265330", "", body, now, true},
		{"no id", specSecret, "", "1614265330", good, body, now, true},
		{"no timestamp", specSecret, "c.1", "", good, body, now, true},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range map[string]string{"webhook-id": tt.id, "webhook-timestamp": tt.ts, "webhook-signature": tt.sig} {
			if v != "" {
				h.Set(k, v)
			}
		}
		err := VerifyWebhook(tt.secret, h, []byte(tt.body), tt.now, 5*time.Minute)
		if tt.wantErr && !errors.Is(err, ErrSignature) {
			t.Errorf("%s: VerifyWebhook = %v, want ErrSignature", tt.name, err)
		}
		if !tt.wantErr && err != nil {
			t.Errorf("%s: VerifyWebhook = %v, want valid", tt.name, err)
		}
	}
}

// TestSignThenVerify: what SignWebhook signs, VerifyWebhook accepts.
func TestSignThenVerify(t *testing.T) {
	t.Parallel()
	now := time.Unix(1700000000, 0)
	content := []byte(`{"code":0}`)
	sig, err := SignWebhook(specSecret, "cid.3", now, content)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Webhook-Id": {"cid.3"}, "Webhook-Timestamp": {"1700000000"}, "Webhook-Signature": {sig}}
	if err := VerifyWebhook(specSecret, h, content, now.Add(time.Second), time.Minute); err != nil {
		t.Errorf("VerifyWebhook(SignWebhook) = %v, want valid", err)
	}
}
