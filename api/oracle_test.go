package api_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// answerFor sends method path (with cid in it) and returns its status and
// body with cid blanked, so answers for two cids compare equal exactly
// when they say the same thing.
func (r *rig) answerFor(method, path, cid, key, body string) (int, string) {
	r.t.Helper()
	req, _ := http.NewRequest(method, r.URL+path, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if strings.HasPrefix(path, "/data") {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.ReplaceAll(string(b), cid, "<cid>")
}

// TestNoExistenceOracle: whoever may not see a cid or a file cannot tell
// whether it exists. No key, a bad key or a token made for another cid is
// 401 whatever the cid; a valid key that may not see it gets exactly the
// answer of an unknown one (404).
func TestNoExistenceOracle(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	mine := r.async(nil) // tokens of a cid the asker may see
	rt := r.replyToken()
	const unknown = "0000no-such-cid"
	refused := []struct{ name, key, query string }{ // 401 whatever the cid
		{"no key", "", ""},
		{"bad key", "nope", ""},
		{"ws token of another cid", "", "token=" + mine.WSToken},
		{"reply token of another cid", rt, ""},
	}
	readers := []string{"other-key", "svc-key"} // valid keys that may not read a's cid
	ends := []struct {
		method, path, body string
		blind              []string // valid keys that may not act on a's cid
		unknown            int      // the status of an unknown cid
	}{
		{"GET", "/v1/requests/{cid}?", "", readers, http.StatusNotFound},
		{"GET", "/v1/requests/{cid}?wait=1s&", "", readers, http.StatusNotFound},
		{"GET", "/v1/requests/{cid}/events?", "", readers, http.StatusNotFound},
		{"POST", "/v1/replies/{cid}?", `{"seq":1}`, []string{"othersvc-key", "shop-key"}, http.StatusNotFound},
		{"GET", "/v1/ws?cid={cid}&", "", readers, http.StatusNotFound},
		// The old /data answers an unknown cid with code 0 and no data.
		{"POST", "/data?", "cid={cid}", readers, http.StatusOK},
	}
	for _, e := range ends {
		same := func(name, key, query string, want int) {
			t.Helper()
			do := func(cid string) (int, string) {
				path := strings.ReplaceAll(e.path, "{cid}", cid) + query
				return r.answerFor(e.method, path, cid, key, strings.ReplaceAll(e.body, "{cid}", cid))
			}
			s1, b1 := do(a.CID)
			s2, b2 := do(unknown)
			if s1 != want || s1 != s2 || b1 != b2 {
				t.Errorf("%s %s with %s: existing cid = %d %s, unknown cid = %d %s; want %d for both, the same answer",
					e.method, e.path, name, s1, b1, s2, b2, want)
			}
		}
		for _, c := range refused {
			same(c.name, c.key, c.query, http.StatusUnauthorized)
		}
		for _, key := range e.blind {
			same(key, key, "", e.unknown)
		}
	}
}

// TestNoFileOracle: GET /v1/files/{id} authenticates before it looks the
// file up, and a refusal after the lookup reads as an unknown file.
func TestNoFileOracle(t *testing.T) {
	r := newRig(t, rigOptions{})
	a := r.async(nil)
	file, _ := randomFile(t, 1000)
	if status, ans := r.replyWithFile(a.CID, r.replyToken(), file); status != 202 {
		t.Fatalf("file reply = %d %+v", status, ans)
	}
	rec := map[string]any{}
	if status, m := r.raw("GET", "/v1/requests/"+a.CID, "shop-key", nil); status == 200 {
		rec = m
	}
	id := fileID(t, rec)
	mine := r.async(nil)
	const unknown = "0123456789abcdef0123456789abcdef"
	for _, c := range []struct {
		name, key, query string
		want             int
	}{
		{"no key", "", "", 401},
		{"bad key", "nope", "", 401},
		{"another caller's key", "other-key", "", 404},
		{"a service key", "svc-key", "", 404},
		{"ws token of another cid", "", "?token=" + mine.WSToken, 404},
	} {
		s1, b1 := r.answerFor("GET", "/v1/files/"+id+c.query, id, c.key, "")
		s2, b2 := r.answerFor("GET", "/v1/files/"+unknown+c.query, unknown, c.key, "")
		if s1 != c.want || s1 != s2 || b1 != b2 {
			t.Errorf("GET /v1/files with %s: existing = %d %s, unknown = %d %s; want %d for both, the same answer",
				c.name, s1, b1, s2, b2, c.want)
		}
	}
	if s, _ := r.answerFor("GET", "/v1/files/"+id, id, "shop-key", ""); s != 200 {
		t.Errorf("GET /v1/files with the owner's key = %d, want 200", s)
	}
}

// fileID is the id of the file the first reply of a record carries.
func fileID(t *testing.T, rec map[string]any) string {
	t.Helper()
	replies, _ := rec["replies"].([]any)
	if len(replies) == 0 {
		t.Fatalf("record without replies: %v", rec)
	}
	first, _ := replies[0].(map[string]any)
	f, _ := first["file"].(map[string]any)
	id, _ := f["id"].(string)
	if id == "" {
		t.Fatalf("first reply carries no file: %v", first)
	}
	return id
}
