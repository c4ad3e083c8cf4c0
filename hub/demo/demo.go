package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Service is the echo demo. It is safe for concurrent use; the owner must
// call Close to stop replies still being posted.
type Service struct {
	// Client posts replies. Defaults to http.DefaultClient.
	Client *http.Client
	Logger *slog.Logger // Defaults to discarding.

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
}

// maxReplies bounds /async?replies=N.
const maxReplies = 1000

func (s *Service) init() {
	s.once.Do(func() {
		s.ctx, s.cancel = context.WithCancel(context.Background())
		if s.Client == nil {
			s.Client = http.DefaultClient
		}
		if s.Logger == nil {
			s.Logger = slog.New(slog.DiscardHandler)
		}
	})
}

// Close stops posting replies and waits for the goroutines that post them.
func (s *Service) Close() {
	s.init()
	s.cancel()
	s.wg.Wait()
}

// ServeHTTP serves /echo and /async.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.init()
	switch r.URL.Path {
	case "/echo":
		s.echo(w, r)
	case "/async":
		s.async(w, r)
	default:
		http.Error(w, `{"error":"demo serves /echo and /async"}`, http.StatusNotFound)
	}
}

// seen is what /echo answers: the request as the service saw it.
type seen struct {
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Query   map[string][]string `json:"query"`
	Form    map[string][]string `json:"form"`
	Body    string              `json:"body"`
	Headers map[string]string   `json:"headers"`
	CID     string              `json:"cid"`
}

func (s *Service) echo(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	out := seen{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Headers: map[string]string{}}
	if r.Header.Get("Content-Type") == "application/x-www-form-urlencoded" {
		_ = r.ParseForm()
		out.Form = r.PostForm
	} else {
		out.Body = string(body)
	}
	for k := range r.Header {
		out.Headers[k] = r.Header.Get(k)
	}
	out.CID = r.FormValue("cid")
	writeJSON(w, http.StatusOK, out)
}

func (s *Service) async(w http.ResponseWriter, r *http.Request) {
	n, err1 := intParam(r, "replies", 1, maxReplies)
	delay, err2 := intParam(r, "delayMs", 100, 60_000)
	if err := firstErr(err1, err2); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	url, token := r.Header.Get("Callhub-Reply-Url"), r.Header.Get("Callhub-Reply-Token")
	if url == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "no Callhub-Reply-Url header: call me through the hub"})
		return
	}
	s.wg.Go(func() { s.postReplies(url, token, n, time.Duration(delay)*time.Millisecond) })
	writeJSON(w, http.StatusAccepted, map[string]bool{"accepted": true})
}

func (s *Service) postReplies(url, token string, n int, delay time.Duration) {
	for i := 1; i <= n; i++ {
		select {
		case <-time.After(delay):
		case <-s.ctx.Done():
			return
		}
		body, _ := json.Marshal(map[string]any{"seq": i, "isEnd": i == n, "data": map[string]int{"n": i}})
		if err := s.post(url, token, body); err != nil {
			s.Logger.Warn("demo reply", "url", url, "seq", i, "err", err)
			return
		}
	}
}

func (s *Service) post(url, token string, body []byte) error {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("hub answered %d: %s", resp.StatusCode, b)
	}
	return nil
}

func intParam(r *http.Request, name string, def, maxV int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > maxV {
		return 0, fmt.Errorf("%s: must be an integer from 0 to %d", name, maxV)
	}
	return n, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
