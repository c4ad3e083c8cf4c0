package hub

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

// TestSignWebhookSpecVector checks the Standard Webhooks test vector.
func TestSignWebhookSpecVector(t *testing.T) {
	sig, err := SignWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; err != nil || sig != want {
		t.Errorf("SignWebhook = %q, %v; want %q", sig, err, want)
	}
	if _, err := SignWebhook("nope", "id", time.Now(), nil); err == nil {
		t.Error("a secret without whsec_ was accepted")
	}
}

func TestVerifyWebhook(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	now := time.Unix(1614265330, 0)
	body := []byte(`{"a":1}`)
	sig, _ := SignWebhook(secret, "c.1", now, body)
	h := http.Header{"Webhook-Id": {"c.1"}, "Webhook-Timestamp": {"1614265330"}, "Webhook-Signature": {"v1,bogus " + sig}}
	if err := VerifyWebhook(secret, h, body, now, 5*time.Minute); err != nil {
		t.Errorf("VerifyWebhook = %v, want valid", err)
	}
	if err := VerifyWebhook(secret, h, []byte(`{"a":2}`), now, 5*time.Minute); !errors.Is(err, ErrSignature) {
		t.Errorf("tampered body = %v, want ErrSignature", err)
	}
	if err := VerifyWebhook(secret, h, body, now.Add(time.Hour), 5*time.Minute); !errors.Is(err, ErrSignature) {
		t.Errorf("old timestamp = %v, want ErrSignature", err)
	}
}
