package hubclient_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/callhub/callhub/api/hubclient"
	"github.com/coder/websocket"
)

// exampleHub stands in for a hub: it answers every WebSocket with two
// replies of cid c1, the second the last, and prints each reply a service
// posts.
func exampleHub() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/ws" {
			conn, err := websocket.Accept(w, r, nil)
			if err != nil {
				return
			}
			defer conn.CloseNow()
			conn.Write(r.Context(), websocket.MessageText, []byte(replyFrame(1, "1-0", false)))
			conn.Write(r.Context(), websocket.MessageText, []byte(replyFrame(2, "1-1", true)))
			conn.Read(r.Context()) // until the client closes
			return
		}
		b, _ := io.ReadAll(r.Body)
		fmt.Printf("hub: %s %s with %q: %s\n", r.Method, r.URL.Path, r.Header.Get("Authorization"), b)
		io.WriteString(w, `{"code":0,"msg":"stored","cid":"c1","seq":1,"offset":"1-0"}`)
	}))
}

// A caller follows a cid until its last reply.
func ExampleSubscription_Next() {
	hub := exampleHub()
	defer hub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	c := hubclient.New(hub.URL, "shop-key")
	sub := c.Follow("c1", "", "") // a cid and its wsToken, from Send's answer
	defer sub.Close()
	for {
		r, err := sub.Next(ctx)
		if err == io.EOF {
			fmt.Println("done after", sub.Offset())
			return
		}
		if err != nil {
			log.Fatal(err) // a *hubclient.RefusedError, or ctx ended
		}
		fmt.Printf("seq %d isEnd %v data %s\n", r.Seq, r.IsEnd, r.Data)
	}
	// Output:
	// seq 1 isEnd false data {"n":1}
	// seq 2 isEnd true data {"n":2}
	// done after 1-1
}

// A service behind the hub reads what the hub forwarded and replies to
// the cid. This one replies before it answers; an async service would
// answer 202 at once and keep the Responder to reply later.
func ExampleServiceFunc() {
	hub := exampleHub()
	defer hub.Close()
	svc := httptest.NewServer(hubclient.ServiceFunc(func(w http.ResponseWriter, r *http.Request, in hubclient.Incoming) {
		end := true
		_, err := in.Responder(nil).Reply(r.Context(), hubclient.ReplyInput{IsEnd: &end, Data: map[string]string{"for": in.Caller}})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer svc.Close()

	// What the hub sends the service:
	req, _ := http.NewRequest("POST", svc.URL+"/work", strings.NewReader(`{"item":1}`))
	req.Header = http.Header{"Callhub-Cid": {"c1"}, "Callhub-Seq": {"1"}, "Callhub-Is-End": {"true"}, "Callhub-Caller": {"shop"},
		"Callhub-Reply-Url": {hub.URL + "/v1/replies/c1"}, "Callhub-Reply-Token": {"rt"}}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println("service answered", resp.StatusCode)
	// Output:
	// hub: POST /v1/replies/c1 with "Bearer rt": {"isEnd":true,"data":{"for":"shop"}}
	// service answered 202
}

// A service replies with a file: multipart, the reply as the part "reply"
// and the file as the part "file".
func ExampleClient_ReplyFile() {
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mr, err := r.MultipartReader()
		if err != nil {
			log.Fatal(err)
		}
		for p, err := mr.NextPart(); err == nil; p, err = mr.NextPart() {
			b, _ := io.ReadAll(p)
			fmt.Printf("part %q file %q: %s\n", p.FormName(), p.FileName(), b)
		}
		io.WriteString(w, `{"code":0,"msg":"stored","cid":"c1","seq":1,"offset":"1-0"}`)
	}))
	defer hub.Close()

	c := hubclient.New(hub.URL, "")
	ans, err := c.ReplyFile(context.Background(), "c1", "rt", hubclient.ReplyInput{Msg: "report"}, "report.csv", strings.NewReader("a,b\n"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ans.Msg, ans.Offset)
	// Output:
	// part "reply" file "": {"isEnd":true,"msg":"report"}
	// part "file" file "report.csv": a,b
	//
	// stored 1-0
}

// A callback receiver checks each callback's signature before it trusts
// it. The secret is the caller's webhookSecret.
func ExampleVerifyWebhook() {
	secret := os.Getenv("CALLHUB_WEBHOOK_SECRET") // "whsec_…"
	http.HandleFunc("/hooks/callhub", func(w http.ResponseWriter, r *http.Request) {
		content, err := hubclient.VerifyWebhook(r, secret)
		if err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodGet {
			fmt.Println("reply", r.URL.Query().Get("seq"), "of", r.URL.Query().Get("cid"))
		} else {
			var reply hubclient.Reply
			json.Unmarshal(content, &reply)
			fmt.Println("reply", reply.Seq, "of", reply.CID)
		}
		w.WriteHeader(http.StatusNoContent) // webhook-id is the same on every attempt: dedupe on it
	})
}

// VerifySignature checks the Standard Webhooks headers against content at
// a given time: here the specification's own test vector.
func ExampleVerifySignature() {
	h := http.Header{}
	h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	err := hubclient.VerifySignature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", h, []byte(`{"test": 2432232314}`),
		time.Unix(1614265330, 0), hubclient.WebhookTolerance)
	fmt.Println("verified:", err == nil)
	// Output: verified: true
}

// A long-running service shows signs of life between replies, so that
// subscribers see its progress and a request sent with HeartbeatMs does
// not count as stalled.
func ExampleResponder_Heartbeat() {
	hub := exampleHub()
	defer hub.Close()
	r := &hubclient.Responder{URL: hub.URL + "/v1/replies/c1", Token: "rt"} // in.Responder(nil) in a ServiceFunc
	for _, done := range []float64{0.5, 0.9} {
		if err := r.Heartbeat(context.Background(), hubclient.HeartbeatInput{Progress: &done, Msg: "rows"}); err != nil {
			log.Fatal(err)
		}
	}
	// Output:
	// hub: POST /v1/replies/c1/heartbeat with "Bearer rt": {"progress":0.5,"msg":"rows"}
	// hub: POST /v1/replies/c1/heartbeat with "Bearer rt": {"progress":0.9,"msg":"rows"}
}
