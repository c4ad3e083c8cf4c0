// Package demo is the built-in demo service "echo": a plain net/http
// handler the hub mounts under /demo/ in dev mode, so a newcomer can try a
// sync request, an async request and its replies without writing a service.
//
//	GET|POST|PUT|PATCH|DELETE /echo      answers what it saw
//	/async?replies=N&delayMs=D           answers 202, then posts N replies
package demo
