// Package web is callhub's browser side, embedded in the binary: the
// operator console (console/: sign in with the admin key; requests,
// deliveries with every attempt, endpoints, stats and a live tail, all
// through the admin API), the dev-mode playground (static/index.html,
// app.js, style.css), which sends a request and lists its replies live,
// and callhub.js, the dependency-free browser client that sends requests
// and follows replies over one WebSocket, resuming with since after any
// disconnect. Plain HTML, CSS and JS: there is no build step.
//
// Handler serves the playground, Console the console; cmd/callhub passes
// the one the ui setting picks to api.Config.UI, which mounts it at GET /,
// so api never imports web.
package web
