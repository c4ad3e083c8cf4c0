package api_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/callhub/callhub/api/hubclient"
	"github.com/callhub/callhub/hub"
)

// TestSDKServicesAndRetryAfter: a request refused by an open breaker is
// an *Error with status 503 and RetryAfter; Services lists the breakers
// for the admin key and is 403 for a caller's; the SDK's breaker states
// are the hub's.
func TestSDKServicesAndRetryAfter(t *testing.T) {
	r := newRig(t, rigOptions{breaker: hub.Breaker{Failures: 1, Cooldown: time.Minute}})
	r.svc.answer = func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadGateway) }
	ctx := sdkContext(t)
	shop := hubclient.New(r.URL, "shop-key")
	req := hubclient.Request{ServiceID: "svc", Path: "/x"}
	if a, err := shop.Send(ctx, req); err != nil || a.Status != 502 {
		t.Fatalf("first Send = %+v, %v; want the service's 502", a, err)
	}
	_, err := shop.Send(ctx, req)
	var he *hubclient.Error
	if !errors.As(err, &he) || he.Status != 503 || he.RetryAfter < 58*time.Second || he.RetryAfter > time.Minute {
		t.Fatalf("Send to an open breaker = %v, want *Error 503 with RetryAfter 60s", err)
	}
	svcs, err := hubclient.New(r.URL, "admin-key").Services(ctx)
	if err != nil || len(svcs) != 2 {
		t.Fatalf("Services = %+v, %v", svcs, err)
	}
	if s := svcs[1]; s.ID != "svc" || s.Breaker != hubclient.BreakerOpen || s.Failures != 1 || s.OpenUntil.IsZero() {
		t.Errorf("svc = %+v, want open with 1 failure and openUntil", s)
	}
	if s := svcs[0]; s.ID != "other" || s.Breaker != hubclient.BreakerClosed || !s.OpenUntil.IsZero() {
		t.Errorf("other = %+v, want closed without openUntil", s)
	}
	if _, err := shop.Services(ctx); !errors.As(err, &he) || he.Status != 403 || he.RetryAfter != 0 {
		t.Errorf("Services with a caller key = %v, want *Error 403", err)
	}
	for sdk, h := range map[string]string{hubclient.BreakerClosed: hub.BreakerClosed,
		hubclient.BreakerOpen: hub.BreakerOpen, hubclient.BreakerHalfOpen: hub.BreakerHalfOpen} {
		if sdk != h {
			t.Errorf("SDK breaker state %q, hub's %q", sdk, h)
		}
	}
}
