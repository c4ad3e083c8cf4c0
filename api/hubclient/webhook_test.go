package hubclient_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/api/hubclient"
)

// The Standard Webhooks specification's published test vector.
const (
	specSecret  = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID      = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTS      = 1614265330
	specPayload = `{"test": 2432232314}`
	specSig     = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func specHeader(sig string) http.Header {
	return http.Header{"Webhook-Id": {specID}, "Webhook-Timestamp": {strconv.Itoa(specTS)}, "Webhook-Signature": {sig}}
}

func TestVerifySignatureSpecVector(t *testing.T) {
	at := time.Unix(specTS, 0)
	tests := []struct {
		name    string
		secret  string
		header  http.Header
		payload string
		now     time.Time
		want    error // ErrSignature, nil, or any other (errOther)
	}{
		{"the vector", specSecret, specHeader(specSig), specPayload, at, nil},
		{"among other signatures", specSecret, specHeader("v1,Zm9v v2,abc " + specSig), specPayload, at, nil},
		{"4m59s late", specSecret, specHeader(specSig), specPayload, at.Add(5*time.Minute - time.Second), nil},
		{"payload changed", specSecret, specHeader(specSig), `{"test": 2432232315}`, at, hubclient.ErrSignature},
		{"6 minutes late", specSecret, specHeader(specSig), specPayload, at.Add(6 * time.Minute), hubclient.ErrSignature},
		{"6 minutes early", specSecret, specHeader(specSig), specPayload, at.Add(-6 * time.Minute), hubclient.ErrSignature},
		{"wrong version", specSecret, specHeader("v2," + strings.TrimPrefix(specSig, "v1,")), specPayload, at, hubclient.ErrSignature},
		{"no headers", specSecret, http.Header{}, specPayload, at, hubclient.ErrSignature},
		{"other secret", "whsec_" + base64.StdEncoding.EncodeToString([]byte("other")), specHeader(specSig), specPayload, at, hubclient.ErrSignature},
		{"malformed secret", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", specHeader(specSig), specPayload, at, errOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := hubclient.VerifySignature(tt.secret, tt.header, []byte(tt.payload), tt.now, hubclient.WebhookTolerance)
			switch {
			case tt.want == nil && err != nil, tt.want == hubclient.ErrSignature && !errors.Is(err, hubclient.ErrSignature),
				tt.want == errOther && (err == nil || errors.Is(err, hubclient.ErrSignature)):
				t.Errorf("VerifySignature = %v, want %v", err, tt.want)
			}
		})
	}
}

var errOther = errors.New("an error other than ErrSignature")

// sign signs content now as the hub does, with the spec's secret.
func sign(id string, content string) http.Header {
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(specSecret, "whsec_"))
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	m := hmac.New(sha256.New, key)
	io.WriteString(m, id+"."+ts+"."+content)
	return http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {ts},
		"Webhook-Signature": {"v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))}}
}

// TestVerifyWebhook: the signed content is the body of a POST, which
// stays readable, and the raw query string of a GET.
func TestVerifyWebhook(t *testing.T) {
	body := `{"cid":"c1","seq":1,"isEnd":true}`
	post := httptest.NewRequest("POST", "/cb", strings.NewReader(body))
	post.Header = sign("c1.1", body)
	got, err := hubclient.VerifyWebhook(post, specSecret)
	rest, _ := io.ReadAll(post.Body)
	if err != nil || string(got) != body || string(rest) != body {
		t.Errorf("POST: VerifyWebhook = %q, %v; body after = %q", got, err, rest)
	}

	const query = "from=test&cid=c1&seq=1&isEnd=true&msg=a%20b"
	get := httptest.NewRequest("GET", "/cb?"+query, nil)
	get.Header = sign("c1.1", query)
	if got, err := hubclient.VerifyWebhook(get, specSecret); err != nil || string(got) != query {
		t.Errorf("GET: VerifyWebhook = %q, %v; want the raw query", got, err)
	}

	reordered := httptest.NewRequest("GET", "/cb?cid=c1&from=test&seq=1&isEnd=true&msg=a%20b", nil)
	reordered.Header = sign("c1.1", query)
	if _, err := hubclient.VerifyWebhook(reordered, specSecret); !errors.Is(err, hubclient.ErrSignature) {
		t.Errorf("GET with the query reordered: VerifyWebhook = %v, want ErrSignature", err)
	}
}
