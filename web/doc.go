// Package web is callhub's browser side: the dev-mode playground UI and
// the browser JS client callhub.js, plain HTML/CSS/JS with no build step,
// embedded in the binary. Handler serves them; the api package mounts it
// at GET /.
package web
