package api_test

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/coder/websocket"
)

// These tests hold the old middleware's wire format (README "Compatibility
// with the old middleware") beyond what legacy_test.go covers: the
// provider's own bytes, the cid a form cannot override, true/false flags,
// multi-step replies, and the /data list of mixed steps and replies.

// compatProviderReply is what the old Java provider put on the wire to
// answer cid (seed/async-requests.en.md, "Provider side"): every ReqOption
// field in its order, with bReq=0, sync=0 and the form as data, which the
// old client completes with cid.
func compatProviderReply(cid string, seq int, isEnd bool, data string) string {
	end := "0"
	if isEnd {
		end = "1"
	}
	return "serviceId=&url=&method=GET&data=" + url.QueryEscape(data) + "&cid=" + url.QueryEscape(cid) +
		"&seq=" + strconv.Itoa(seq) + "&isEnd=" + end + "&bReq=0&sync=0&callbackUrl=%2F&callbackMethod=GET" +
		"&headers=%7B%7D&reqSave=0&resultSave=0&fileSave=0"
}

// compatStep is one step of an old async multi-step request for cid.
func compatStep(cid string, seq int, isEnd bool) string {
	end := map[bool]string{true: "1", false: "0"}[isEnd]
	return oldForm(map[string]string{"serviceId": "svc", "method": "POST", "cid": cid, "seq": strconv.Itoa(seq),
		"isEnd": end, "sync": "0", "callbackUrl": "/callback", "callbackMethod": "POST",
		"data": `{"step":` + strconv.Itoa(seq) + `,"cid":"` + cid + `"}`})
}

func TestCompatProviderBytesReachSubscriber(t *testing.T) {
	r := newRig(t, rigOptions{})
	cid := "compat-provider"
	if _, res := r.postForm("/msg", "shop-key", compatStep(cid, 1, true)); res.Code != 0 {
		t.Fatalf("async /msg = %+v", res)
	}
	conn := r.dial("cid="+cid, "shop-key")
	readFrame(t, conn) // subscribed
	data := `{"data":[{"id":1},{"id":2}],"cid":"` + cid + `"}`
	status, res := r.postForm("/msg", "svc-key", compatProviderReply(cid, 1, true, data))
	if status != 200 || res.Code != 0 || res.CID != cid {
		t.Fatalf("provider's bReq=0 = %d %+v, want 200 code 0", status, res)
	}
	f := readFrame(t, conn)
	var got map[string]any
	json.Unmarshal(f.Data, &got)
	if f.Type != "reply" || f.Seq != 1 || !f.IsEnd || len(got["data"].([]any)) != 2 {
		t.Errorf("subscriber got %+v, want seq 1, isEnd, data as a JSON value", f)
	}
}

func TestCompatFormCannotOverrideCID(t *testing.T) {
	r := newRig(t, rigOptions{})
	for _, method := range []string{"GET", "POST", "DELETE", "PUT"} {
		_, res := r.postForm("/msg", "shop-key", oldForm(map[string]string{"serviceId": "svc", "method": method,
			"data": `{"cid":"forged","q":"x"}`}))
		if res.Code != 0 {
			t.Fatalf("%s /msg = %+v", method, res)
		}
		req, body := r.svc.last()
		got := req.URL.Query()
		if method == "POST" || method == "PUT" {
			got, _ = url.ParseQuery(body)
		}
		if cids := got["cid"]; len(cids) != 1 || cids[0] != res.CID || got.Get("q") != "x" {
			t.Errorf("%s: service saw cid %v q %q, want only the hub's cid %s and q", method, cids, got.Get("q"), res.CID)
		}
	}
}

func TestCompatHeadersOnPost(t *testing.T) {
	r := newRig(t, rigOptions{})
	_, res := r.postForm("/msg", "shop-key", oldForm(map[string]string{"serviceId": "svc", "method": "POST",
		"headers": `{"X-Client":"abc","Callhub-Cid":"forged","X-Num":7}`}))
	if res.Code != 0 {
		t.Fatalf("/msg = %+v", res)
	}
	req, body := r.svc.last()
	tests := []struct{ name, got, want string }{
		{"X-Client", req.Header.Get("X-Client"), "abc"},
		{"X-Num", req.Header.Get("X-Num"), "7"},
		{"Callhub-Cid", req.Header.Get("Callhub-Cid"), res.CID},
		{"Content-Type", req.Header.Get("Content-Type"), "application/x-www-form-urlencoded"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("service saw %s %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if form, _ := url.ParseQuery(body); form.Get("pageSize") != "1" || form.Get("pageNo") != "10" {
		t.Errorf("service saw body %q, want data's fields", body)
	}
}

func TestCompatFlagsTrueFalse(t *testing.T) {
	r := newRig(t, rigOptions{})
	cid := "compat-flags"
	_, res := r.postForm("/msg", "shop-key", oldForm(map[string]string{"serviceId": "svc", "cid": cid,
		"sync": "false", "isEnd": "true", "bReq": "true", "reqSave": "true"}))
	if res.Code != 0 || res.Msg != "Action OK" {
		t.Fatalf("sync=false = %+v, want Action OK", res)
	}
	if got, want := r.svc.hits(), 1; got != want {
		t.Fatalf("service hits = %d, want %d", got, want)
	}
	reply := url.Values{"cid": {cid}, "bReq": {"false"}, "isEnd": {"false"}, "seq": {"1"}, "data": {`"part"`}}
	if _, res := r.postForm("/msg", "svc-key", reply.Encode()); res.Code != 0 {
		t.Fatalf("bReq=false = %+v, want a reply", res)
	}
	_, a := r.do("GET", "/v1/requests/"+cid, "shop-key", nil)
	if a.State != "replied" {
		t.Errorf("state after an isEnd=false reply = %q, want replied", a.State)
	}
}

// TestCompatAsyncMultiReplies: an async multi-step request with one cid,
// each step answered by bReq=0 with its seq; the subscriber gets every
// reply in order, a repeated reply once, and /data lists steps and
// replies oldest first.
func TestCompatAsyncMultiReplies(t *testing.T) {
	r := newRig(t, rigOptions{})
	cid := "compat-multi"
	conn := compatFirstStep(r, cid)
	for seq := 1; seq <= 3; seq++ {
		if seq > 1 {
			if _, res := r.postForm("/msg", "shop-key", compatStep(cid, seq, seq == 3)); res.Code != 0 {
				t.Fatalf("step %d = %+v", seq, res)
			}
		}
		data := `{"n":` + strconv.Itoa(seq) + `}`
		for range 2 { // the second is a retry: stored once, delivered once
			if _, res := r.postForm("/msg", "svc-key", compatProviderReply(cid, seq, seq == 3, data)); res.Code != 0 {
				t.Fatalf("reply %d = %+v", seq, res)
			}
		}
		if f := readFrame(t, conn); f.Seq != seq || f.IsEnd != (seq == 3) || string(f.Data) != data {
			t.Errorf("frame %d = %+v, want seq %d data %s", seq, f, seq, data)
		}
	}
	_, res := r.postForm("/data", "shop-key", "cid="+cid+"&pageSize=100")
	var items []struct {
		Kind string `json:"kind"`
		Seq  int    `json:"seq"`
	}
	json.Unmarshal(res.Data, &items)
	var got []string
	for _, it := range items {
		got = append(got, it.Kind+strconv.Itoa(it.Seq))
	}
	if want := "request1 reply1 request2 reply2 request3 reply3"; strings.Join(got, " ") != want {
		t.Errorf("/data = %v, want %s", got, want)
	}
}

// compatFirstStep sends step 1 of cid and subscribes to it.
func compatFirstStep(r *rig, cid string) *websocket.Conn {
	r.t.Helper()
	if _, res := r.postForm("/msg", "shop-key", compatStep(cid, 1, false)); res.Code != 0 {
		r.t.Fatalf("step 1 = %+v", res)
	}
	conn := r.dial("cid="+cid, "shop-key")
	readFrame(r.t, conn) // subscribed
	return conn
}
