package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/callhub/callhub/api/hubclient"
)

// sdkContext bounds one SDK test.
func sdkContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	t.Cleanup(cancel)
	return ctx
}

// sdkAsync sends an async request as shop through the SDK and returns the
// answer and the reply token the service got.
func sdkAsync(t *testing.T, r *rig) (*hubclient.Client, hubclient.Answer, string) {
	t.Helper()
	c := hubclient.New(r.URL, "shop-key")
	ans, err := c.Send(sdkContext(t), hubclient.Request{ServiceID: "svc", Method: "POST", Path: "/x", Async: true})
	if err != nil || ans.WSToken == "" {
		t.Fatalf("Send = %+v, %v", ans, err)
	}
	return c, ans, r.replyToken()
}

// TestSDKFollowResumes: Next yields every reply once, in order, across a
// dropped connection, and io.EOF after the isEnd reply.
func TestSDKFollowResumes(t *testing.T) {
	r := newRig(t, rigOptions{})
	c, ans, tok := sdkAsync(t, r)
	ctx := sdkContext(t)
	sub := hubclient.New(r.URL, "").Follow(ans.CID, ans.WSToken, "")
	defer sub.Close()
	const n = 6
	reply := func(seq int) {
		end := seq == n
		if _, err := c.Reply(ctx, ans.CID, tok, hubclient.ReplyInput{Seq: seq, IsEnd: &end}); err != nil {
			t.Fatal(err)
		}
	}
	next := func(want int) {
		t.Helper()
		got, err := sub.Next(ctx)
		if err != nil || got.Seq != want || got.IsEnd != (want == n) {
			t.Fatalf("Next = seq %d isEnd %v, %v; want seq %d", got.Seq, got.IsEnd, err, want)
		}
	}
	for seq := 1; seq <= 3; seq++ {
		reply(seq)
		next(seq)
	}
	sub.Drop() // as if the connection died
	for seq := 4; seq <= n; seq++ {
		reply(seq)
	}
	for want := 4; want <= n; want++ {
		next(want)
	}
	if _, err := sub.Next(ctx); err != io.EOF {
		t.Errorf("Next after the isEnd reply = %v, want io.EOF", err)
	}
	if sub.Offset() == "" {
		t.Error("Offset is empty after replies")
	}
}

// TestSDKFollowRefused: a subscription the hub refuses ends Next with a
// *RefusedError carrying the status, instead of reconnecting forever.
func TestSDKFollowRefused(t *testing.T) {
	r := newRig(t, rigOptions{})
	_, ans, _ := sdkAsync(t, r)
	tests := []struct {
		name, key, cid, token string
		status                int
	}{
		{"bad token", "", ans.CID, "not-a-token", http.StatusUnauthorized},
		// A cid the key may not see answers as an unknown one (no existence oracle).
		{"another caller's cid", "other-key", ans.CID, "", http.StatusNotFound},
		{"unknown cid", "shop-key", "0193a5c2-0000-7000-8000-000000000000", "", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := hubclient.New(r.URL, tt.key).Follow(tt.cid, tt.token, "")
			defer sub.Close()
			_, err := sub.Next(sdkContext(t))
			var refused *hubclient.RefusedError
			if !errors.As(err, &refused) || refused.Status != tt.status || refused.CID != tt.cid || refused.Msg == "" {
				t.Fatalf("Next = %v, want a *RefusedError with status %d and a message", err, tt.status)
			}
		})
	}
}

func TestSDKErrorsCarryStatusAndField(t *testing.T) {
	r := newRig(t, rigOptions{})
	_, err := hubclient.New(r.URL, "shop-key").Send(sdkContext(t), hubclient.Request{Path: "/x"})
	var he *hubclient.Error
	if !errors.As(err, &he) || he.Status != 400 || he.Msg != "serviceId: required" {
		t.Errorf("Send without serviceId = %v, want a 400 naming serviceId", err)
	}
}

// TestSDKReplyFile: a reply with a file reaches the follower with the
// file's name, size and hash, and the file downloads intact.
func TestSDKReplyFile(t *testing.T) {
	r := newRig(t, rigOptions{})
	c, ans, tok := sdkAsync(t, r)
	ctx := sdkContext(t)
	content := strings.Repeat("report line\n", 10_000)
	end := true
	if _, err := c.ReplyFile(ctx, ans.CID, tok, hubclient.ReplyInput{IsEnd: &end, Msg: "done"}, "report.txt", strings.NewReader(content)); err != nil {
		t.Fatalf("ReplyFile: %v", err)
	}
	sub := c.Follow(ans.CID, "", "")
	defer sub.Close()
	got, err := sub.Next(ctx)
	if err != nil || got.File == nil || got.Msg != "done" {
		t.Fatalf("Next = %+v, %v; want the reply with its file", got, err)
	}
	sum := sha256.Sum256([]byte(content))
	if f := got.File; f.Name != "report.txt" || f.Size != int64(len(content)) || f.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("File = %+v, want report.txt, %d bytes, sha256 %x", f, len(content), sum)
	}
	if b := download(t, got.File.URL, "shop-key"); b != content {
		t.Errorf("downloaded %d bytes, want the %d posted", len(b), len(content))
	}
}

func download(t *testing.T, url, key string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

// TestSDKServiceFunc: a service built on ServiceFunc reads what the hub
// forwarded and replies through its Responder; the caller sees the reply.
func TestSDKServiceFunc(t *testing.T) {
	r := newRig(t, rigOptions{})
	got := make(chan hubclient.Incoming, 1)
	r.svc.mu.Lock()
	r.svc.answer = hubclient.ServiceFunc(func(w http.ResponseWriter, _ *http.Request, in hubclient.Incoming) {
		got <- in
		w.WriteHeader(http.StatusAccepted)
	}).ServeHTTP
	r.svc.mu.Unlock()
	c := hubclient.New(r.URL, "shop-key")
	ctx := sdkContext(t)
	ans, err := c.Send(ctx, hubclient.Request{ServiceID: "svc", Method: "POST", Path: "/x", Async: true})
	if err != nil {
		t.Fatal(err)
	}
	in := <-got
	want := hubclient.Incoming{CID: ans.CID, Seq: 1, IsEnd: true, Caller: "shop", ReplyURL: r.URL + "/v1/replies/" + ans.CID, ReplyToken: in.ReplyToken}
	if in != want || in.ReplyToken == "" {
		t.Fatalf("Incoming = %+v, want %+v with a token", in, want)
	}
	end := true
	if _, err := in.Responder(nil).Reply(ctx, hubclient.ReplyInput{IsEnd: &end, Data: map[string]int{"n": 7}}); err != nil {
		t.Fatalf("Responder.Reply: %v", err)
	}
	sub := c.Follow(ans.CID, ans.WSToken, "")
	defer sub.Close()
	rep, err := sub.Next(ctx)
	if err != nil || string(rep.Data) != `{"n":7}` || !rep.IsEnd {
		t.Errorf("Next = %+v, %v; want the service's reply", rep, err)
	}
}

// TestSDKReplyIsEndDefault: the SDK's IsEnd nil and the hub agree, as
// ReplyInput's doc says: a reply without IsEnd ends the cid, so the next
// one is refused; IsEnd false leaves it open.
func TestSDKReplyIsEndDefault(t *testing.T) {
	r := newRig(t, rigOptions{})
	c, ans, tok := sdkAsync(t, r)
	ctx := sdkContext(t)
	no := false
	if _, err := c.Reply(ctx, ans.CID, tok, hubclient.ReplyInput{Seq: 1, IsEnd: &no}); err != nil {
		t.Fatalf("reply seq 1 with IsEnd false: %v", err)
	}
	if _, err := c.Reply(ctx, ans.CID, tok, hubclient.ReplyInput{Seq: 2}); err != nil {
		t.Fatalf("reply seq 2 without IsEnd: %v", err)
	}
	_, err := c.Reply(ctx, ans.CID, tok, hubclient.ReplyInput{Seq: 3, IsEnd: &no})
	var he *hubclient.Error
	if !errors.As(err, &he) || he.Status != http.StatusConflict {
		t.Errorf("reply after one without IsEnd = %v, want 409: that one ended the cid", err)
	}
}
