// Package web is callhub's browser side, embedded in the binary: the
// dev-mode playground (index.html, app.js, style.css), which sends a
// request and lists its replies live, and callhub.js, the dependency-free
// browser client that sends requests and follows replies over one
// WebSocket, resuming with since after any disconnect. Plain HTML, CSS and
// JS: there is no build step.
//
// Handler serves them all; cmd/callhub passes it to api.Config.UI, which
// mounts it at GET /, so api never imports web.
package web
