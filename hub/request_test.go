package hub

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRequestNormalize(t *testing.T) {
	tests := []struct {
		name  string
		req   Request
		field string // "" means valid
	}{
		{"minimal", Request{ServiceID: "s", Path: "/x"}, ""},
		{"lower method", Request{ServiceID: "s", Path: "/x", Method: "post"}, ""},
		{"no service", Request{Path: "/x"}, "serviceId"},
		{"method", Request{ServiceID: "s", Path: "/x", Method: "TRACE"}, "method"},
		{"path", Request{ServiceID: "s", Path: "x"}, "path"},
		{"seq", Request{ServiceID: "s", Path: "/x", Seq: -2}, "seq"},
		{"timeout", Request{ServiceID: "s", Path: "/x", TimeoutMs: -1}, "timeoutMs"},
		{"longest timeout", Request{ServiceID: "s", Path: "/x", TimeoutMs: 24 * 60 * 60 * 1000}, ""},
		{"timeout over a day", Request{ServiceID: "s", Path: "/x", TimeoutMs: 24*60*60*1000 + 1}, "timeoutMs"},
		{"timeout overflowing a Duration", Request{ServiceID: "s", Path: "/x", TimeoutMs: 9223372036855}, "timeoutMs"},
		{"form and body", Request{ServiceID: "s", Path: "/x", Form: map[string]any{"a": 1}, Body: []byte(`{}`)}, "body"},
		{"cid", Request{ServiceID: "s", Path: "/x", CID: "a b"}, "cid"},
		{"callback url", Request{ServiceID: "s", Path: "/x", Callback: &Callback{}}, "callback.url"},
		{"callback method", Request{ServiceID: "s", Path: "/x", Callback: &Callback{URL: "/c", Method: "PUT"}}, "callback.method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.req.Normalize()
			var fe *FieldError
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("Normalize = %v, want valid", err)
			case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, ErrInvalid)):
				t.Errorf("Normalize = %v, want a FieldError on %s", err, tt.field)
			}
		})
	}
	r := Request{ServiceID: "s", Path: "/x", Callback: &Callback{URL: "/c"}}
	r.Normalize()
	if r.Method != "GET" || r.Seq != 1 || !r.End() || r.Callback.Method != "POST" {
		t.Errorf("defaults = %+v, want GET, seq 1, isEnd, callback POST", r)
	}
}

func TestOffsetOrder(t *testing.T) {
	ordered := []string{"", "1-0", "1-1", "2-0", "10-0", "1700000000000-0", "1700000000000-5",
		"18446744073709551615-0", "18446744073709551615-18446744073709551615"}
	for i := range ordered {
		for j := range ordered {
			if got, want := OffsetLess(ordered[i], ordered[j]), i < j; got != want {
				t.Errorf("OffsetLess(%q, %q) = %v, want %v", ordered[i], ordered[j], got, want)
			}
		}
	}
	for _, bad := range []string{"x", "1-", "-1", "1-x", "1.0"} {
		if ValidOffset(bad) {
			t.Errorf("ValidOffset(%q) = true", bad)
		}
	}
}

func TestTokens(t *testing.T) {
	tk := &Tokens{Secret: []byte("k")}
	now := time.Now()
	if !tk.CheckReplyToken("c1", tk.ReplyToken("c1")) || tk.CheckReplyToken("c2", tk.ReplyToken("c1")) {
		t.Error("reply token not scoped to its cid")
	}
	if (&Tokens{Secret: []byte("other")}).CheckReplyToken("c1", tk.ReplyToken("c1")) {
		t.Error("reply token valid under another secret")
	}
	ws := tk.WSToken("c1", "shop", now.Add(time.Hour))
	if caller, ok := tk.CheckWSToken("c1", ws, now); !ok || caller != "shop" {
		t.Errorf("CheckWSToken = %q %v, want shop", caller, ok)
	}
	if _, ok := tk.CheckWSToken("c2", ws, now); ok {
		t.Error("ws token valid for another cid")
	}
	if _, ok := tk.CheckWSToken("c1", ws, now.Add(2*time.Hour)); ok {
		t.Error("expired ws token accepted")
	}
	forged := strings.Replace(ws, ".c2hvcA.", ".b3RoZXI.", 1) // caller "other"
	if _, ok := tk.CheckWSToken("c1", forged, now); ok {
		t.Error("ws token with a changed caller accepted")
	}
}

func TestRequestNormalizeNamesEveryField(t *testing.T) {
	r := Request{Method: "TRACE", Path: "x", Seq: -1, TimeoutMs: -1, CID: "a b", Callback: &Callback{Method: "PUT"}}
	err := r.Normalize()
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("Normalize = %v, want ErrInvalid", err)
	}
	for _, f := range []string{"serviceId", "method", "path", "seq", "timeoutMs", "cid", "callback.url"} {
		if !strings.Contains(err.Error(), f+": ") {
			t.Errorf("Normalize = %q, does not name %s", err, f)
		}
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "serviceId" {
		t.Errorf("first FieldError = %v, want serviceId", fe)
	}
}

// TestRequestPathQuery: a query in path is checked, not silently dropped
// when it is malformed.
func TestRequestPathQuery(t *testing.T) {
	for path, ok := range map[string]bool{"/echo?a=1&b=%20": true, "/echo?%zz": false, "/echo?a=%": false} {
		r := Request{ServiceID: "s", Path: path}
		err := r.Normalize()
		if ok && err != nil {
			t.Errorf("path %q: %v, want accepted", path, err)
		}
		if !ok && (err == nil || !strings.HasPrefix(err.Error(), "path: malformed query")) {
			t.Errorf("path %q: %v, want path: malformed query", path, err)
		}
	}
}

// TestCallbackWhen: callback.when and callback.afterMs get their
// defaults, and each bad value names its field.
func TestCallbackWhen(t *testing.T) {
	n := func(v int) *int { return &v }
	tests := []struct {
		name    string
		cb      Callback
		async   bool
		field   string // "" when valid
		afterMs *int   // afterMs after Normalize
	}{
		{"always by default", Callback{}, true, "", nil},
		{"always", Callback{When: "always"}, false, "", nil},
		{"unacked gets 5000", Callback{When: "unacked"}, true, "", n(5000)},
		{"unacked 0", Callback{When: "unacked", AfterMs: n(0)}, true, "", n(0)},
		{"unacked an hour", Callback{When: "unacked", AfterMs: n(3600000)}, true, "", n(3600000)},
		{"unknown when", Callback{When: "later"}, true, "callback.when", nil},
		{"unacked on sync", Callback{When: "unacked"}, false, "callback.when", nil},
		{"afterMs below 0", Callback{When: "unacked", AfterMs: n(-1)}, true, "callback.afterMs", nil},
		{"afterMs over an hour", Callback{When: "unacked", AfterMs: n(3600001)}, true, "callback.afterMs", nil},
		{"afterMs with always", Callback{AfterMs: n(5)}, true, "callback.afterMs", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cb := tt.cb
			cb.URL = "/cb"
			r := Request{ServiceID: "s", Path: "/p", Async: tt.async, Callback: &cb}
			err := r.Normalize()
			if tt.field == "" {
				if err != nil || (cb.AfterMs == nil) != (tt.afterMs == nil) || cb.AfterMs != nil && *cb.AfterMs != *tt.afterMs {
					t.Errorf("Normalize = %v, afterMs %v; want ok, afterMs %v", err, cb.AfterMs, tt.afterMs)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Errorf("Normalize = %v, want an error naming %s", err, tt.field)
			}
		})
	}
}
