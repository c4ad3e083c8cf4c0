package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/callhub/callhub/api"
	"github.com/callhub/callhub/hub/filestore"
)

// TestLegacyFileWithGET: the old client's sendFile() with GET (what its
// own test class does) is forwarded as a GET whose fileField parameter
// tells the service where to get the file, as the old middleware handed
// it the file's path: its /v1/files URL with a token the service reads it
// with, or with compat.downloadDir a path there. The service gets the
// very bytes.
func TestLegacyFileWithGET(t *testing.T) {
	for _, tc := range []struct {
		name   string
		compat func(t *testing.T) api.Compat
		url    bool
	}{
		{"files URL", func(*testing.T) api.Compat { return api.Compat{} }, true},
		{"downloadDir", func(t *testing.T) api.Compat { return api.Compat{Downloads: &filestore.Downloads{Dir: t.TempDir()}} }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReplayRig(t, tc.compat(t))
			content := "id,name\n1,ann\n"
			r.svc.answer = func(w http.ResponseWriter, req *http.Request) {
				where := req.URL.Query().Get("upload")
				var got []byte
				if strings.HasPrefix(where, "http") {
					resp, err := http.Get(where) // no key: the URL carries the token
					if err != nil || resp.StatusCode != http.StatusOK {
						http.Error(w, "cannot fetch "+where, http.StatusBadGateway)
						return
					}
					got, _ = io.ReadAll(resp.Body)
					resp.Body.Close()
				} else {
					got, _ = os.ReadFile(where)
				}
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(map[string]string{"method": req.Method, "got": string(got), "where": where})
			}
			body, ct := oldMultipart(map[string]string{"serviceId": "1", "url": "/user/getFile", "method": "GET",
				"fileField": "upload"}, "upload", []byte(content))
			req, _ := http.NewRequest("POST", r.URL+"/file", body)
			req.Header.Set("Content-Type", ct)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var res legacyResult
			json.NewDecoder(resp.Body).Decode(&res)
			var data struct{ Method, Got, Where string }
			json.Unmarshal(res.Data, &data)
			if res.Code != 0 || data.Method != "GET" || data.Got != content {
				t.Fatalf("/file with GET = %+v (service saw %+v), want code 0 and the service to read the file", res, data)
			}
			if isURL := strings.HasPrefix(data.Where, r.URL+"/v1/files/"); isURL != tc.url {
				t.Errorf("the service was told %q, want a /v1/files URL: %v", data.Where, tc.url)
			}
		})
	}
}
