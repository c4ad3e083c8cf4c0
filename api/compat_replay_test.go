package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/callhub/callhub/api"
	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/filestore"
	"github.com/callhub/callhub/hub/memstore"
	"github.com/callhub/callhub/internal/testwait"
)

// These tests replay the bytes the old middleware's Java SDK and an old
// service put on the wire (testdata/oldclient, README there) and check
// what the old middleware answered. The old client sends no key: the
// caller app and the old service run on one host, listed by both the
// caller's and the service's allowAddrs, as in the captures.

// replayRig is a hub with service "1" (the captures' serviceId), caller
// shop and service 1 both allowed from loopback without a key, and a
// caller app that records its callbacks.
type replayRig struct {
	*rig
	hooks *hookRecorder
}

// hookRecorder is the caller app's callbackUrl endpoint.
type hookRecorder struct {
	mu   sync.Mutex
	got  []*http.Request
	body []string
}

func (h *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, r.Clone(context.Background()))
	h.body = append(h.body, string(b))
}

// wait returns the n-th callback (from 0) once it has arrived.
func (h *hookRecorder) wait(t *testing.T, n int) (*http.Request, string) {
	t.Helper()
	testwait.Until(t, "callback", func() bool { h.mu.Lock(); defer h.mu.Unlock(); return len(h.got) > n })
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.got[n], h.body[n]
}

func newReplayRig(t *testing.T, compat api.Compat) *replayRig {
	t.Helper()
	svc := &service{}
	svc.srv = httptest.NewServer(svc)
	t.Cleanup(svc.srv.Close)
	hooks := &hookRecorder{}
	hookSrv := httptest.NewServer(hooks)
	t.Cleanup(hookSrv.Close)
	var handler atomic.Value
	front := httptest.NewServer(validated(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.Load().(http.Handler).ServeHTTP(w, r)
	})))
	t.Cleanup(front.Close)
	d := startDelivery(t, hookSrv.URL)
	h, err := hub.New(hub.Config{Store: &memstore.Store{}, Broker: &memstore.Broker{}, Secret: []byte("test"),
		Deliveries: d, Services: []hub.Service{{ID: "1", BaseURL: svc.srv.URL}}, PublicURL: front.URL})
	if err != nil {
		t.Fatal(err)
	}
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	keys := []api.Key{{Kind: "caller", ID: "shop", AllowAddrs: loopback}, {Kind: "service", ID: "1", AllowAddrs: loopback}}
	blobs := &filestore.Blobs{Dir: t.TempDir()}
	srv := api.New(api.Config{Hub: h, Deliveries: d, Keys: keys, Blobs: blobs, Compat: compat})
	handler.Store(srv.Handler())
	t.Cleanup(func() { h.Close(); srv.Wait() })
	return &replayRig{rig: &rig{t: t, URL: front.URL, Hub: h, svc: svc, blobs: blobs}, hooks: hooks}
}

// captured reads a captured request: its headers and its body, with each
// replacement applied to the body (old → new, in pairs).
func captured(t *testing.T, name string, replace ...string) (http.Header, string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "oldclient", name))
	if err != nil {
		t.Fatal(err)
	}
	head, body, _ := strings.Cut(string(raw), "\r\n\r\n")
	if i := strings.Index(body, "POST /"); i > 0 { // the next request on the connection
		body = body[:i]
	}
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(head + "\r\n\r\n")))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return req.Header, strings.NewReplacer(replace...).Replace(body)
}

// replay sends a captured request's headers with body to path, as the
// old client did, and decodes the InterCoResult.
func (r *replayRig) replay(path string, header http.Header, body string) (int, legacyResult) {
	r.t.Helper()
	req, _ := http.NewRequest("POST", r.URL+path, strings.NewReader(body))
	for k, vs := range header {
		if k != "Content-Length" && k != "Connection" {
			req.Header[k] = vs
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var res legacyResult
	if err := json.Unmarshal(raw, &res); err != nil {
		r.t.Fatalf("POST %s: not an InterCoResult: %q", path, raw)
	}
	return resp.StatusCode, res
}

// capturedForm is a captured body's fields.
func capturedForm(t *testing.T, name string) url.Values {
	t.Helper()
	_, body := captured(t, name)
	v, err := url.ParseQuery(body)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestReplaySyncMsg: the old client's sync /msg (req00) is forwarded as
// a GET with the form's fields and answered code 0, "Action OK", with the
// client's cid and the service's data.
func TestReplaySyncMsg(t *testing.T) {
	r := newReplayRig(t, api.Compat{})
	h, body := captured(t, "req00.txt")
	status, res := r.replay("/msg", h, body)
	cid := capturedForm(t, "req00.txt").Get("cid")
	if status != 200 || res.Code != 0 || res.Msg != "Action OK" || res.CID != cid || string(res.Data) != `{"ok":true}` {
		t.Fatalf("replayed req00 = %d %+v, want code 0 Action OK with cid %s", status, res, cid)
	}
	seen, _ := r.svc.last()
	q := seen.URL.Query()
	if seen.Method != "GET" || seen.URL.Path != "/user/sgUser/valid" || q.Get("n") != "7" ||
		q.Get("loginName") != "12110107bi45jh675g" || q.Get("cid") != cid || q.Has("callbackId") {
		t.Errorf("service saw %s %s, want GET /user/sgUser/valid with the form, cid and no callbackId (sync)", seen.Method, seen.URL)
	}
}

// asyncStep replays req02 with the given callback method and url and
// returns the hub's cid and the callbackId the service received.
func (r *replayRig) asyncStep(method, cbURL string, replace ...string) (cid, callbackID string) {
	r.t.Helper()
	replace = append(replace, "callbackMethod=POST", "callbackMethod="+method, "callbackUrl=%2Ftest%2Fpost", "callbackUrl="+url.QueryEscape(cbURL))
	h, body := captured(r.t, "req02.txt", replace...)
	status, res := r.replay("/msg", h, body)
	if status != 200 || res.Code != 0 || res.Msg != "Action OK" {
		r.t.Fatalf("replayed req02 = %d %+v, want code 0 Action OK", status, res)
	}
	seen, _ := r.svc.last()
	callbackID = seen.URL.Query().Get("callbackId")
	if callbackID == "" {
		r.t.Fatalf("service saw %s, want a callbackId with the async request", seen.URL)
	}
	return res.CID, callbackID
}

// answer replays the old service's bReq=0 answer with callbackId and,
// as the old client does, a fresh random cid of its own.
func (r *replayRig) answer(callbackID, ownCID string) (int, legacyResult) {
	r.t.Helper()
	h, body := captured(r.t, "svc-reply-req.txt", "8fb2c6645940442884aa048ff145d2022127110397747617792", ownCID)
	return r.replay("/msg", h, body+"&callbackId="+url.QueryEscape(callbackID))
}

// TestReplayAsyncAnsweredByCallbackID: the old service answers by the
// callbackId it was handed, with its own random cid, from an address the
// caller lists too; the caller app gets the old form (data's fields plus
// the hub's cid, urlencoded) and a second answer gets code 2.
func TestReplayAsyncAnsweredByCallbackID(t *testing.T) {
	r := newReplayRig(t, api.Compat{})
	cid, callbackID := r.asyncStep("POST", "/test/post")
	status, res := r.answer(callbackID, "5e0c5d1c1bb54c4f9e2b6a0cf3b0e2a62127110397747617000")
	if status != 200 || res.Code != 0 || res.Msg != "Action OK" || res.CID != cid {
		t.Fatalf("old service's answer = %d %+v, want code 0 Action OK for cid %s", status, res, cid)
	}
	cb, body := r.hooks.wait(t, 0)
	form, _ := url.ParseQuery(body)
	want := url.Values{"result": {"done"}, "total": {"2"}, "cid": {cid}}
	if cb.Method != "POST" || cb.URL.Path != "/test/post" || !strings.HasPrefix(cb.Header.Get("Content-Type"), "application/x-www-form-urlencoded") ||
		form.Encode() != want.Encode() {
		t.Errorf("callback = %s %s %q body %q, want POST /test/post urlencoded %s", cb.Method, cb.URL, cb.Header.Get("Content-Type"), body, want.Encode())
	}
	if status, res := r.answer(callbackID, "another0random0cid"); res.Code != 2 || !strings.Contains(res.Msg, "callbackId") {
		t.Errorf("second answer to the callbackId = %d %+v, want code 2 naming callbackId", status, res)
	}
}

// TestReplayAsyncGetCallback: a GET callbackUrl gets data's fields and
// cid in its query, and nothing else of callhub's.
func TestReplayAsyncGetCallback(t *testing.T) {
	r := newReplayRig(t, api.Compat{})
	cid, callbackID := r.asyncStep("GET", "/test/get?app=1")
	if _, res := r.answer(callbackID, "fd80d3dc644e45ec904425b4c10a3c9a2127110397948944384"); res.Code != 0 {
		t.Fatalf("answer = %+v", res)
	}
	cb, body := r.hooks.wait(t, 0)
	want := url.Values{"app": {"1"}, "result": {"done"}, "total": {"2"}, "cid": {cid}}
	if cb.Method != "GET" || cb.URL.Path != "/test/get" || cb.URL.Query().Encode() != want.Encode() || body != "" {
		t.Errorf("callback = %s %s body %q, want GET /test/get?%s", cb.Method, cb.URL, body, want.Encode())
	}
}

// TestReplayMultiStepCallbackIDs: two async steps of one cid, each
// answered with the old client's default seq 1, are two replies (seq 1
// and 2, the second ending the cid), not a duplicate.
func TestReplayMultiStepCallbackIDs(t *testing.T) {
	r := newReplayRig(t, api.Compat{})
	cid := "8fb2c6645940442884aa048ff145d2022127110397747617792"
	_, id1 := r.asyncStep("POST", "/test/post")
	_, id2 := r.asyncStep("POST", "/test/post", "seq=1&cid", "seq=2&cid", "isEnd=0", "isEnd=1")
	for i, id := range []string{id1, id2} {
		if _, res := r.answer(id, "random"+string(rune('a'+i))); res.Code != 0 {
			t.Fatalf("answer to step %d = %+v, want code 0", i+1, res)
		}
	}
	_, a := r.do("GET", "/v1/requests/"+cid, "", nil)
	if len(a.Replies) != 2 || a.Replies[0].Seq != 1 || a.Replies[1].Seq != 2 || a.State != "completed" {
		t.Errorf("record = state %s replies %+v, want seq 1 and 2, completed", a.State, a.Replies)
	}
}

// TestReplayCallbackIDRefused: an answer whose callbackId this hub did
// not issue, or was altered, is code 2 and stores nothing.
func TestReplayCallbackIDRefused(t *testing.T) {
	r := newReplayRig(t, api.Compat{})
	cid, id := r.asyncStep("POST", "/test/post")
	parts := strings.Split(id, ".")
	parts[2] = "2" // step 2, which was never sent
	forged := strings.Join(parts, ".")
	for _, bad := range []string{"nope", forged, id + "x"} {
		if status, res := r.answer(bad, "random"); res.Code != 2 || status != 404 {
			t.Errorf("answer with callbackId %q = %d %+v, want 404 code 2", bad, status, res)
		}
	}
	if _, a := r.do("GET", "/v1/requests/"+cid, "", nil); len(a.Replies) != 0 {
		t.Errorf("record has replies %+v after refused answers", a.Replies)
	}
}

// TestReplayAnswerByCIDFromSharedAddress: without a callbackId, the
// answer names its cid; from an address both a caller and the service
// list, bReq=0 is the service's act (callhub answered 403 "belongs to
// another service" before).
func TestReplayAnswerByCIDFromSharedAddress(t *testing.T) {
	r := newReplayRig(t, api.Compat{})
	cid, _ := r.asyncStep("POST", "/test/post")
	h, body := captured(t, "svc-reply-req.txt")
	if status, res := r.replay("/msg", h, body); status != 200 || res.Code != 0 || res.CID != cid {
		t.Errorf("answer by cid from the shared address = %d %+v, want code 0", status, res)
	}
}

// TestReplayOldCodes: an unknown service is code 1 "no registration";
// /data of an unknown cid is code 0 with empty data.
func TestReplayOldCodes(t *testing.T) {
	r := newReplayRig(t, api.Compat{})
	h, body := captured(t, "req00.txt", "serviceId=1", "serviceId=999")
	if _, res := r.replay("/msg", h, body); res.Code != 1 || !strings.Contains(res.Msg, "no registration") {
		t.Errorf("unknown service = %+v, want code 1 no registration", res)
	}
	_, page := r.raw("GET", "/data?cid=nosuchcid&pageNo=0&pageSize=10", "", nil)
	if items, ok := page["data"].([]any); page["code"] != 0.0 || page["msg"] != "Action OK" || !ok || len(items) != 0 {
		t.Errorf("/data of an unknown cid = %v, want code 0 and empty data", page)
	}
}

// bytesOf reads a file in a test.
func bytesOf(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(b)
}
