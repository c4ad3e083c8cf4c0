// Package api is callhub's HTTP front: the JSON API v1, the WebSocket and
// Server-Sent Events streams, long-poll, health endpoints and the auth
// middleware, on gin. Every error becomes an HTTP status in one function,
// statusOf. Handlers hand request contexts to the hub, never gin's.
package api
