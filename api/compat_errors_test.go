package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/callhub/callhub/api"
	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/memstore"
)

// compatRig is a hub with the given services behind a real HTTP server,
// with caller shop (key shop-key) and service svc (key svc-key). Only its
// t and URL are set: it serves postForm.
func compatRig(t *testing.T, dev bool, services ...hub.Service) *rig {
	t.Helper()
	front := httptest.NewUnstartedServer(nil)
	front.Start()
	t.Cleanup(front.Close)
	h, err := hub.New(hub.Config{Open: dev, Store: &memstore.Store{}, Broker: &memstore.Broker{}, Secret: []byte("test"),
		Services: services, PublicURL: front.URL})
	if err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.Config{Hub: h, Keys: []api.Key{{Kind: "caller", ID: "shop", APIKey: "shop-key"},
		{Kind: "service", ID: "svc", APIKey: "svc-key"}}})
	front.Config.Handler = srv.Handler()
	t.Cleanup(func() { h.Close(); srv.Wait() })
	return &rig{t: t, URL: front.URL}
}

// TestCompatServiceFailures: code 2 is the old "the service failed", with
// the v1 status (502, 504), or HTTP 200 when the service did answer; for
// a request (/msg) and a download (/download) alike.
func TestCompatServiceFailures(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/broken":
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		case "/hangup":
			hangUp(w)
			return
		}
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close() // refuses connections from here on
	r := compatRig(t, false, hub.Service{ID: "svc", BaseURL: slow.URL, Timeout: 50 * time.Millisecond},
		hub.Service{ID: "gone", BaseURL: gone.URL})
	tests := []struct {
		name, serviceID, url string
		status               int
		msg                  string
	}{
		{"answered 500", "svc", "/broken", 200, "500"},
		{"timed out", "svc", "/slow", 504, "in time"},
		{"unreachable", "gone", "/x", 502, "unreachable"},
		{"hung up", "svc", "/hangup", 502, "unreachable"},
	}
	for _, path := range []string{"/msg", "/download"} {
		for _, tt := range tests {
			t.Run(strings.TrimPrefix(path, "/")+" "+tt.name, func(t *testing.T) {
				cid := "compat-fail" + strings.ReplaceAll(path+"-"+tt.serviceID+tt.url, "/", "-")
				status, res := r.postForm(path, "shop-key", oldForm(map[string]string{"serviceId": tt.serviceID, "url": tt.url, "cid": cid}))
				if status != tt.status || res.Code != 2 || !strings.Contains(res.Msg, tt.msg) || res.CID != cid {
					t.Errorf("= %d %+v, want HTTP %d code 2 naming %q with the cid", status, res, tt.status, tt.msg)
				}
			})
		}
	}
}

// TestCompatStatusOfCodes: every error code comes with its v1 status.
func TestCompatStatusOfCodes(t *testing.T) {
	r := newRig(t, rigOptions{})
	ended := "compat-ended"
	if _, res := r.postForm("/msg", "shop-key", compatStep(ended, 1, true)); res.Code != 0 {
		t.Fatalf("async /msg = %+v", res)
	}
	if _, res := r.postForm("/msg", "svc-key", compatProviderReply(ended, 1, true, `{}`)); res.Code != 0 {
		t.Fatalf("reply = %+v", res)
	}
	tests := []struct {
		name, path, key, body string
		status, code          int
		msg                   string
	}{
		{"ok", "/msg", "shop-key", oldForm(map[string]string{"serviceId": "svc"}), 200, 0, "Action OK"},
		{"bad input", "/msg", "shop-key", oldForm(map[string]string{"serviceId": "svc", "seq": "-1"}), 400, 1, "seq"},
		{"unknown service", "/msg", "shop-key", oldForm(map[string]string{"serviceId": "nope"}), 404, 1, "no registration"},
		{"cid of another caller", "/msg", "other-key", oldForm(map[string]string{"serviceId": "svc", "cid": ended}), 409, 4, "cid"},
		{"reply after the end", "/msg", "svc-key", compatProviderReply(ended, 2, true, `{}`), 409, 4, "isEnd"},
		{"no key", "/msg", "", oldForm(map[string]string{"serviceId": "svc"}), 401, 5, "Authorization"},
		{"unknown key", "/msg", "nope", oldForm(map[string]string{"serviceId": "svc"}), 401, 5, "key"},
		{"service key sends a request", "/msg", "svc-key", oldForm(map[string]string{"serviceId": "svc"}), 403, 5, "caller key"},
		// A key that may not see a cid gets the answer of an unknown cid.
		{"caller key replies", "/msg", "shop-key", compatProviderReply(ended, 2, true, `{}`), 404, 2, ended},
		{"other service replies", "/msg", "othersvc-key", compatProviderReply(ended, 2, true, `{}`), 404, 2, ended},
		// The old middleware answered /data of an unknown cid with code 0
		// and no data; a cid the key may not see answers the same.
		{"reads another caller's cid", "/data", "other-key", "cid=" + ended, 200, 0, "Action OK"},
		{"unknown cid in /data", "/data", "shop-key", "cid=nope", 200, 0, "Action OK"},
		{"pageSize too big", "/data", "shop-key", "cid=" + ended + "&pageSize=101", 400, 1, "pageSize"},
		{"pageNo negative", "/data", "shop-key", "cid=" + ended + "&pageNo=-1", 400, 1, "pageNo"},
		{"pageNo not a number", "/data", "shop-key", "cid=" + ended + "&pageNo=x", 400, 1, "pageNo"},
		{"malformed form", "/data", "shop-key", "cid=" + ended + "&%zz=1", 400, 1, "body"},
		{"form over the body limit", "/msg", "shop-key", oldForm(map[string]string{"serviceId": "svc"}) +
			"&pad=" + strings.Repeat("a", 1<<20), 413, 6, "body larger than the limit"},
		{"/data over the body limit", "/data", "shop-key", "cid=" + ended + "&pad=" + strings.Repeat("a", 1<<20), 413, 6, "body larger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, res := r.postForm(tt.path, tt.key, tt.body)
			if status != tt.status || res.Code != tt.code || !strings.Contains(res.Msg, tt.msg) {
				t.Errorf("= %d %+v, want HTTP %d code %d with msg naming %q", status, res, tt.status, tt.code, tt.msg)
			}
		})
	}
}

// TestCompatKeyless: old clients without a key, from allowAddrs or in dev
// mode.
func TestCompatKeyless(t *testing.T) {
	t.Run("allowAddrs", func(t *testing.T) {
		r := newRig(t, rigOptions{allowShop: "127.0.0.0/8"})
		if status, res := r.postForm("/msg", "", oldForm(map[string]string{"serviceId": "svc"})); status != 200 || res.Code != 0 {
			t.Errorf("keyless /msg from an allowed address = %d %+v, want code 0", status, res)
		}
		if got := r.svc.seen[0].Header.Get("Callhub-Caller"); got != "shop" {
			t.Errorf("service saw caller %q, want shop", got)
		}
	})
	t.Run("dev", func(t *testing.T) {
		svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		defer svc.Close()
		r := compatRig(t, true, hub.Service{ID: "svc", BaseURL: svc.URL})
		cid := "compat-dev"
		if _, res := r.postForm("/msg", "", compatStep(cid, 1, true)); res.Code != 0 {
			t.Fatalf("keyless async /msg in dev mode = %+v", res)
		}
		if _, res := r.postForm("/msg", "", compatProviderReply(cid, 1, true, `{"ok":1}`)); res.Code != 0 {
			t.Errorf("keyless bReq=0 in dev mode = %+v", res)
		}
		if _, res := r.postForm("/data", "", "cid="+cid); res.Code != 0 || res.Total != 2 {
			t.Errorf("keyless /data in dev mode = %+v, want the step and the reply", res)
		}
	})
}

// TestCompatDataPages: pages past the end are empty lists, not errors,
// and GET takes the fields from the query string.
func TestCompatDataPages(t *testing.T) {
	r := newRig(t, rigOptions{})
	_, res := r.postForm("/msg", "shop-key", oldForm(map[string]string{"serviceId": "svc"}))
	cid := res.CID
	_, page := r.raw("GET", "/data?cid="+cid+"&pageNo=5&pageSize=1", "shop-key", nil)
	if page["code"] != 0.0 || page["cid"] != cid || page["total"] != 1.0 {
		t.Fatalf("GET /data past the end = %v", page)
	}
	if items, ok := page["data"].([]any); !ok || len(items) != 0 {
		t.Errorf("GET /data past the end: data = %v, want []", page["data"])
	}
	_, page = r.raw("GET", "/data?cid="+cid, "shop-key", nil)
	items, _ := page["data"].([]any)
	if len(items) != 1 {
		t.Fatalf("GET /data = %v, want one step", page)
	}
	it := items[0].(map[string]any)
	for _, k := range []string{"kind", "seq", "isEnd", "status", "data", "at"} {
		if _, ok := it[k]; !ok {
			t.Errorf("/data item %v has no %q", it, k)
		}
	}
}
