package web

import (
	"embed"
	"io/fs"
	"net/http"
	"unicode/utf8"
)

//go:embed static
var static embed.FS

// csp lets the page load only its own assets and talk only to its own
// origin, over fetch and WebSocket.
const csp = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; frame-ancestors 'none'"

// Handler serves the playground at / and its assets: /index.html, /app.js,
// /style.css and the browser client /callhub.js. It answers GET and HEAD
// only. It is safe for concurrent use.
func Handler() http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if !utf8.ValidString(r.URL.Path) {
			// No embedded name is invalid UTF-8; the file server would
			// answer 500 for the invalid name instead of "no such file".
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Cache-Control", "no-cache") // revalidate: a new binary may carry new assets
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", csp)
		files.ServeHTTP(w, r)
	})
}
