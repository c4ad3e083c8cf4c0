package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/callhub/callhub/internal/testwait"
)

// legacyResult is the old InterCoResult.
type legacyResult struct {
	Code     int             `json:"code"`
	Msg      string          `json:"msg"`
	CID      string          `json:"cid"`
	Data     json.RawMessage `json:"data"`
	FilePath string          `json:"filePath"`
	Total    int             `json:"total"`
}

// postForm sends the exact form bytes an old client sent.
func (r *rig) postForm(path, key, body string) (int, legacyResult) {
	r.t.Helper()
	req, _ := http.NewRequest("POST", r.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	var res legacyResult
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &res); err != nil {
		r.t.Fatalf("POST %s: not an InterCoResult: %q", path, b)
	}
	return resp.StatusCode, res
}

// oldForm is what the old Java client put on the wire for a ReqOption
// (seed/async-requests.en.md), with the given fields overriding.
func oldForm(fields map[string]string) string {
	v := url.Values{"serviceId": {"1"}, "url": {"/user/async"}, "method": {"GET"},
		"data": {`{"pageSize":1,"pageNo":10}`}, "seq": {"1"}, "isEnd": {"1"}, "bReq": {"1"}, "sync": {"1"},
		"callbackUrl": {"/"}, "callbackMethod": {"GET"}, "headers": {`{"X-Client":"abc"}`},
		"reqSave": {"0"}, "resultSave": {"0"}, "fileSave": {"0"}}
	for k, val := range fields {
		if val == "-" {
			v.Del(k)
		} else {
			v.Set(k, val)
		}
	}
	return v.Encode()
}

func TestLegacySyncSingle(t *testing.T) {
	r := newRig(t, rigOptions{})
	status, res := r.postForm("/msg", "shop-key", oldForm(map[string]string{"serviceId": "svc"}))
	if status != 200 || res.Code != 0 || res.CID == "" || string(res.Data) != `{"ok":true}` {
		t.Fatalf("sync /msg = %d %+v", status, res)
	}
	req, _ := r.svc.last()
	q := req.URL.Query()
	if req.Method != "GET" || req.URL.Path != "/user/async" || q.Get("pageSize") != "1" || q.Get("pageNo") != "10" || q.Get("cid") != res.CID {
		t.Errorf("service saw %s %s, want GET /user/async with pageSize, pageNo and cid", req.Method, req.URL)
	}
	if req.Header.Get("X-Client") != "abc" {
		t.Errorf("service saw X-Client %q, want the headers field's", req.Header.Get("X-Client"))
	}
}

func TestLegacySyncMultiStep(t *testing.T) {
	r := newRig(t, rigOptions{})
	cid := "multi-step-1"
	for seq := 1; seq <= 3; seq++ {
		end := "0"
		if seq == 3 {
			end = "1"
		}
		status, res := r.postForm("/msg", "shop-key", oldForm(map[string]string{"serviceId": "svc", "method": "POST",
			"cid": cid, "seq": string(rune('0' + seq)), "isEnd": end, "data": `{"step":` + string(rune('0'+seq)) + `,"cid":"ignored"}`}))
		if status != 200 || res.Code != 0 || res.CID != cid {
			t.Fatalf("step %d = %d %+v", seq, status, res)
		}
		req, body := r.svc.last()
		if req.Header.Get("Callhub-Seq") != string(rune('0'+seq)) || !strings.Contains(body, "cid="+cid) || !strings.Contains(body, "step=") {
			t.Errorf("step %d: service saw seq %s body %q", seq, req.Header.Get("Callhub-Seq"), body)
		}
	}
	status, res := r.postForm("/data", "shop-key", "cid="+cid+"&pageNo=0&pageSize=2")
	var items []map[string]any
	json.Unmarshal(res.Data, &items)
	if status != 200 || res.Total != 3 || len(items) != 2 || items[0]["seq"] != 1.0 || items[0]["kind"] != "request" {
		t.Errorf("/data page 0 = %d %+v, want 2 of 3 steps, oldest first", status, res)
	}
	_, res = r.postForm("/data", "shop-key", "cid="+cid+"&pageNo=1&pageSize=2")
	json.Unmarshal(res.Data, &items)
	if len(items) != 1 || items[0]["seq"] != 3.0 || items[0]["isEnd"] != true {
		t.Errorf("/data page 1 = %+v, want step 3", items)
	}
}

// TestLegacyAsyncReplyByBReq0: the service answers with bReq=0; the reply
// reaches a WebSocket subscriber and the caller's GET callback at
// callbackBase + "/callback", in the old form: data's fields and cid.
func TestLegacyAsyncReplyByBReq0(t *testing.T) {
	var mu sync.Mutex
	var got []url.Values
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if req.Method == "GET" && req.URL.Path == "/callback" {
			got = append(got, req.URL.Query())
		}
	}))
	defer hooks.Close()
	r := newRig(t, rigOptions{hooks: hooks.URL})
	cid := "async-one"
	status, res := r.postForm("/msg", "shop-key", oldForm(map[string]string{"serviceId": "svc", "cid": cid,
		"sync": "0", "callbackUrl": "/callback", "callbackMethod": "GET"}))
	if status != 200 || res.Code != 0 || res.Msg != "Action OK" {
		t.Fatalf("async /msg = %d %+v", status, res)
	}
	conn := r.dial("cid="+cid, "shop-key")
	readFrame(t, conn) // subscribed
	tok := r.replyToken()
	status, res = r.postForm("/msg", tok, url.Values{"cid": {cid}, "bReq": {"0"}, "sync": {"0"},
		"data": {`{"data":"rows-from-database","total":2}`}}.Encode())
	if status != 200 || res.Code != 0 {
		t.Fatalf("bReq=0 reply = %d %+v", status, res)
	}
	if f := readFrame(t, conn); f.Type != "reply" || f.Seq != 1 || !f.IsEnd || !strings.Contains(string(f.Data), "rows-from-database") {
		t.Errorf("subscriber got %+v, want the reply", f)
	}
	testwait.Until(t, "GET callback", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 1 })
	q := got[0]
	if q.Get("cid") != cid || q.Get("data") != "rows-from-database" || q.Get("total") != "2" || len(q) != 3 {
		t.Errorf("callback query = %v, want only cid and data's fields", q)
	}
}

func TestLegacyAsyncMultiOneCID(t *testing.T) {
	hooks := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer hooks.Close()
	r := newRig(t, rigOptions{hooks: hooks.URL})
	cid := "async-multi"
	for seq := 1; seq <= 2; seq++ {
		status, res := r.postForm("/msg", "shop-key", oldForm(map[string]string{"serviceId": "svc", "cid": cid,
			"seq": string(rune('0' + seq)), "isEnd": map[bool]string{true: "1", false: "0"}[seq == 2],
			"sync": "0", "callbackUrl": "/callback", "callbackMethod": "POST"}))
		if status != 200 || res.Code != 0 || res.CID != cid {
			t.Fatalf("async step %d = %d %+v", seq, status, res)
		}
	}
	if r.svc.hits() != 2 {
		t.Errorf("service got %d forwards, want 2 steps of one cid", r.svc.hits())
	}
}

func TestLegacyErrors(t *testing.T) {
	r := newRig(t, rigOptions{})
	tests := []struct {
		name   string
		fields map[string]string
		code   int
		msg    string
	}{
		{"missing serviceId", map[string]string{"serviceId": "-"}, 1, "serviceId"},
		{"missing url", map[string]string{"serviceId": "svc", "url": "-"}, 1, "url"},
		{"async without callbackUrl", map[string]string{"serviceId": "svc", "sync": "0", "callbackUrl": "-"}, 1, "callbackUrl"},
		{"async without callbackMethod", map[string]string{"serviceId": "svc", "sync": "0", "callbackMethod": "-"}, 1, "callbackMethod"},
		{"bReq=0 without cid", map[string]string{"bReq": "0"}, 1, "cid"},
		{"bReq=0 unknown cid", map[string]string{"bReq": "0", "cid": "nope"}, 2, "nope"},
		{"malformed data", map[string]string{"serviceId": "svc", "data": "{oops"}, 1, "data"},
		{"malformed headers", map[string]string{"serviceId": "svc", "headers": "[1"}, 1, "headers"},
		{"bad flag", map[string]string{"serviceId": "svc", "sync": "maybe"}, 1, "sync"},
		{"bad seq", map[string]string{"serviceId": "svc", "seq": "zero"}, 1, "seq"},
		{"unknown service", map[string]string{"serviceId": "nope"}, 1, "no registration"},
		// What the hub checks under v1 names is named as the old form names it.
		{"url not a path", map[string]string{"serviceId": "svc", "url": "echo"}, 1, "url: must start with /"},
		{"bad callbackMethod", map[string]string{"serviceId": "svc", "sync": "0", "callbackMethod": "PUT"}, 1, "callbackMethod: must be GET or POST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, res := r.postForm("/msg", "shop-key", oldForm(tt.fields))
			if res.Code != tt.code || !strings.Contains(res.Msg, tt.msg) {
				t.Errorf("= %+v, want code %d with msg naming %q", res, tt.code, tt.msg)
			}
		})
	}
	if _, res := r.postForm("/msg", "", oldForm(map[string]string{"serviceId": "svc"})); res.Code != 5 {
		t.Errorf("keyless /msg = %+v, want code 5", res)
	}
	if _, res := r.postForm("/data", "shop-key", "pageNo=0"); res.Code != 1 || !strings.Contains(res.Msg, "cid") {
		t.Errorf("/data without cid = %+v, want code 1 naming cid", res)
	}
}

// TestLegacyExactBytes replays a body byte for byte as the old Java client
// sent it: every ReqOption field in its order, form-encoded.
func TestLegacyExactBytes(t *testing.T) {
	r := newRig(t, rigOptions{})
	const body = "serviceId=svc&url=%2Fuser%2Fasync&method=GET&data=%7B%22pageSize%22%3A1%2C%22pageNo%22%3A10%7D" +
		"&seq=1&isEnd=1&bReq=1&sync=1&callbackUrl=%2F&callbackMethod=GET&headers=%7B%7D&reqSave=0&resultSave=0&fileSave=0"
	status, res := r.postForm("/msg", "shop-key", body)
	if status != 200 || res.Code != 0 || res.CID == "" {
		t.Fatalf("old client's bytes = %d %+v", status, res)
	}
	req, _ := r.svc.last()
	if q := req.URL.Query(); q.Get("pageSize") != "1" || q.Get("pageNo") != "10" || q.Get("cid") != res.CID {
		t.Errorf("service saw %s", req.URL)
	}
}
