// Package hubclient is the Go SDK of callhub: send requests, post replies,
// read records, and follow a cid's replies over a WebSocket that resumes
// from its last offset after any disconnect. It uses net/http and
// coder/websocket only.
//
//	c := hubclient.New("http://127.0.0.1:8888", "shop-key")
//	ans, err := c.Send(ctx, hubclient.Request{ServiceID: "echo", Path: "/async", Async: true})
//	sub := c.Follow(ans.CID, ans.WSToken, "")
//	defer sub.Close()
//	r, err := sub.Next(ctx) // replies in offset order, none lost, none repeated
package hubclient
