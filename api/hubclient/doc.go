// Package hubclient is the Go SDK of callhub, a module of its own that
// needs only the standard library and coder/websocket.
//
// Callers send requests and follow their replies:
//
//	c := hubclient.New("http://127.0.0.1:8888", "shop-key")
//	ans, err := c.Send(ctx, hubclient.Request{ServiceID: "echo", Path: "/async", Async: true})
//	sub := c.Follow(ans.CID, ans.WSToken, "")
//	defer sub.Close()
//	for {
//		r, err := sub.Next(ctx) // replies in offset order, none lost, none repeated
//		if err == io.EOF {
//			break // the reply with IsEnd came before
//		}
//		...
//	}
//
// Next reconnects after any disconnect and resumes after the last offset
// it returned. It gives up only when the hub refuses the subscription
// (*RefusedError), after Close (ErrClosed), or when its context ends.
// NextEvent returns the same replies and, between them, the cid's
// progress, stalled and resumed events, each with its frame as the hub
// sent it (Event.Raw); OnReconnect hears of each reconnect. Call reaches
// any operation without a method of its own (the admin API). The
// callhub CLI is built on this package.
//
// An async request may carry DeadlineMs and HeartbeatMs; its caller ends
// it with Cancel. The reply the hub stores itself to end a cid (504 for a
// deadline, 499 for a cancel) has Origin OriginHub.
//
// Acknowledging replies is opt-in: Subscription.Ack acknowledges the
// replies up to an offset once the application handled them, and
// Subscription.AutoAck acknowledges each one as Next returns it. A
// request whose Callback.When is "unacked" gets callbacks only for the
// replies nobody acknowledged within Callback.AfterMs.
//
// A non-2xx answer is an *Error with the status and the hub's msg. A 503
// with RetryAfter set is a service whose breaker is open: the hub
// forwarded nothing, and retrying after RetryAfter is safe. With the admin
// key, Services lists every service and its breaker.
//
// Services read the Callhub-* headers of a forwarded request with
// FromRequest (or ServiceFunc) and reply with Incoming.Responder, JSON or
// with a file (ReplyFile), and show signs of life between replies with
// Responder.Heartbeat. Callback receivers check the Standard Webhooks
// signature of each callback with VerifyWebhook.
package hubclient
