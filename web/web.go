package web

import (
	"embed"
	"io/fs"
	"net/http"
	"unicode/utf8"
)

//go:embed static console
var assets embed.FS

// csp lets the page load only its own assets and talk only to its own
// origin, over fetch and WebSocket.
const csp = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; frame-ancestors 'none'"

// Handler serves the playground at / and its assets: /index.html, /app.js,
// /style.css and the browser client /callhub.js. It answers GET and HEAD
// only. It is safe for concurrent use.
func Handler() http.Handler { return serve(sub("static")) }

// Console serves the operator console at / and its assets (/console.js,
// /console.css), and the browser client /callhub.js. It answers GET and
// HEAD only. It is safe for concurrent use.
func Console() http.Handler { return withClient(http.FileServerFS(sub("console"))) }

// Client serves the browser client alone, at /callhub.js, for hubs whose
// ui is off: browser apps load it from the hub they talk to. Other paths
// are not found. It answers GET and HEAD only. It is safe for concurrent
// use.
func Client() http.Handler { return withClient(http.NotFoundHandler()) }

// withClient serves /callhub.js from the playground's assets and every
// other path with rest.
func withClient(rest http.Handler) http.Handler {
	static := http.FileServerFS(sub("static"))
	return guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/callhub.js" {
			static.ServeHTTP(w, r)
			return
		}
		rest.ServeHTTP(w, r)
	}))
}

func sub(dir string) fs.FS {
	f, err := fs.Sub(assets, dir)
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return f
}

func serve(fsys fs.FS) http.Handler { return guard(http.FileServerFS(fsys)) }

// guard answers GET and HEAD only, with the security headers.
func guard(files http.Handler) http.Handler {
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
