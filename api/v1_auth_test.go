package api_test

import (
	"net/http"
	"testing"
	"time"
)

func TestReadAccess(t *testing.T) {
	clock := &skewClock{} // read by the hub's timers too: no plain variable
	r := newRig(t, rigOptions{now: clock.now})
	a := r.async(nil)
	b := r.async(nil)
	tests := []struct {
		name, path, key string
		status          int
	}{
		{"owner's key", "/v1/requests/" + a.CID, "shop-key", 200},
		{"another caller's key", "/v1/requests/" + a.CID, "other-key", 404},
		{"admin key", "/v1/requests/" + a.CID, "admin-key", 200},
		{"ws token of the cid", "/v1/requests/" + a.CID + "?token=" + a.WSToken, "", 200},
		{"ws token of another cid", "/v1/requests/" + b.CID + "?token=" + a.WSToken, "", 401},
		{"no key", "/v1/requests/" + a.CID, "", 401},
		{"unknown cid", "/v1/requests/nope", "shop-key", 404},
		{"events, another caller", "/v1/requests/" + a.CID + "/events", "other-key", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, ans := r.do("GET", tt.path, tt.key, nil); status != tt.status {
				t.Errorf("GET %s = %d %+v, want %d", tt.path, status, ans, tt.status)
			}
		})
	}
	clock.advance(25 * time.Hour)
	if status, _ := r.do("GET", "/v1/requests/"+a.CID+"?token="+a.WSToken, "", nil); status != http.StatusUnauthorized {
		t.Errorf("expired ws token = %d, want 401", status)
	}
}

func TestWSAccess(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	b := r.async(nil)
	conn := r.dial("", "other-key")
	send(t, conn, map[string]string{"op": "subscribe", "cid": a.CID})
	if f := readFrame(t, conn); f.Type != "error" || f.Code != 404 {
		t.Errorf("another caller subscribing = %+v, want error 404", f)
	}
	send(t, conn, map[string]string{"op": "subscribe", "cid": b.CID, "token": a.WSToken})
	if f := readFrame(t, conn); f.Type != "error" || f.Code != 401 {
		t.Errorf("token of another cid = %+v, want error 401", f)
	}
	resp, err := http.Get(r.URL + "/v1/ws?cid=" + b.CID + "&token=" + a.WSToken)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("connect with a token of another cid = %d, want 401 before the upgrade", resp.StatusCode)
	}
	resp, _ = http.Get(r.URL + "/v1/ws")
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("keyless connect = %d, want 401", resp.StatusCode)
	}
}

func TestDevModeNeedsNoKey(t *testing.T) {
	r := newRig(t, rigOptions{dev: true})
	status, a := r.do("POST", "/v1/requests", "", map[string]any{"serviceId": "svc", "path": "/x", "async": true})
	if status != http.StatusAccepted {
		t.Fatalf("keyless request in dev mode = %d %+v", status, a)
	}
	if status, _ := r.reply(a.CID, "", map[string]any{"seq": 1}); status != http.StatusAccepted {
		t.Errorf("keyless reply in dev mode = %d", status)
	}
	if status, _ := r.do("GET", "/v1/requests/"+a.CID, "", nil); status != http.StatusOK {
		t.Errorf("keyless read in dev mode = %d", status)
	}
	if status, _ := r.do("POST", "/v1/requests", "wrong-key", map[string]any{"serviceId": "svc", "path": "/x"}); status != http.StatusUnauthorized {
		t.Errorf("a wrong key in dev mode = %d, want 401", status)
	}
}

func TestAllowAddrs(t *testing.T) {
	r := newRig(t, rigOptions{allowShop: "127.0.0.1/32"})
	status, a := r.do("POST", "/v1/requests", "", map[string]any{"serviceId": "svc", "path": "/x"})
	if status != http.StatusOK {
		t.Fatalf("keyless request from an allowed address = %d %+v", status, a)
	}
	if req, _ := r.svc.last(); req.Header.Get("Callhub-Caller") != "shop" {
		t.Errorf("taken as caller %q, want shop", req.Header.Get("Callhub-Caller"))
	}
}
