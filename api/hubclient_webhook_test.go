package api_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/callhub/callhub/api/hubclient"
	"github.com/callhub/callhub/hub/callback"
	"github.com/callhub/callhub/internal/testwait"
)

// rigWebhookSecret is shop's webhook secret in a rig with hooks.
const rigWebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// verifyingHooks records, for each callback, what VerifyWebhook said.
type verifyingHooks struct {
	mu   sync.Mutex
	errs map[string]error // by method
}

func (h *verifyingHooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, err := hubclient.VerifyWebhook(r, rigWebhookSecret)
	h.mu.Lock()
	h.errs[r.Method] = err
	h.mu.Unlock()
}

func (h *verifyingHooks) result(method string) (error, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	err, ok := h.errs[method]
	return err, ok
}

// TestSDKVerifyWebhook: the SDK verifies the callbacks the hub's
// deliverer signs, POST (the body) and GET (the raw query string) alike.
func TestSDKVerifyWebhook(t *testing.T) {
	hk := &verifyingHooks{errs: map[string]error{}}
	hs := httptest.NewServer(hk)
	defer hs.Close()
	r := newRig(t, rigOptions{hooks: hs.URL})
	for _, method := range []string{"POST", "GET"} {
		a := r.async(map[string]any{"callback": map[string]string{"url": "/cb?from=test&x=a%20b", "method": method}})
		r.reply(a.CID, r.replyToken(), map[string]any{"seq": 1, "isEnd": true, "data": map[string]any{"n": 1, "s": "a&b=c"}})
		testwait.Until(t, method+" callback", func() bool { _, ok := hk.result(method); return ok })
		if err, _ := hk.result(method); err != nil {
			t.Errorf("VerifyWebhook of a %s callback = %v, want nil", method, err)
		}
	}
}

// TestSDKVerifiesHubSignature: what the hub's SignWebhook signs, the
// SDK's VerifySignature accepts, and nothing else.
func TestSDKVerifiesHubSignature(t *testing.T) {
	now := time.Unix(1_767_225_600, 0)
	content := []byte("cid=c1&seq=1&isEnd=true")
	sig, err := callback.SignWebhook(rigWebhookSecret, "c1.1", now, content)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Webhook-Id": {"c1.1"}, "Webhook-Timestamp": {"1767225600"}, "Webhook-Signature": {"v1,bm90IGl0 " + sig}}
	if err := hubclient.VerifySignature(rigWebhookSecret, h, content, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Errorf("VerifySignature of the hub's signature = %v", err)
	}
	if err := hubclient.VerifySignature(rigWebhookSecret, h, append(content, '&'), now, 5*time.Minute); !errors.Is(err, hubclient.ErrSignature) {
		t.Errorf("VerifySignature of other content = %v, want ErrSignature", err)
	}
}
