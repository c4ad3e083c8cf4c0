package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// wait bounds every wait on a condition in these tests.
const wait = 10 * time.Second

// tryReply posts a reply like rig.reply but reports failure as an error,
// so goroutines other than the test's may call it.
func (r *rig) tryReply(cid, token string, body map[string]any) (int, answer, error) {
	j, err := json.Marshal(body)
	if err != nil {
		return 0, answer{}, err
	}
	req, err := http.NewRequest("POST", r.URL+"/v1/replies/"+cid, bytes.NewReader(j))
	if err != nil {
		return 0, answer{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, answer{}, err
	}
	defer resp.Body.Close()
	var a answer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return resp.StatusCode, a, err
	}
	return resp.StatusCode, a, nil
}

// mustReply posts a reply and fails the test unless it is stored (202).
func (r *rig) mustReply(cid, token string, body map[string]any) answer {
	r.t.Helper()
	status, a, err := r.tryReply(cid, token, body)
	if err != nil || status != http.StatusAccepted {
		r.t.Fatalf("reply %v to %s = %d %+v %v, want 202", body, cid, status, a, err)
	}
	return a
}

// raw sends method path with a JSON body and key and returns the status
// and the answer decoded into a map, to check which fields are present.
func (r *rig) raw(method, path, key string, body any) (int, map[string]any) {
	r.t.Helper()
	status, raw := r.send(method, path, key, body)
	m := map[string]any{}
	if err := json.Unmarshal(raw, &m); err != nil {
		r.t.Fatalf("%s %s: answer is not a JSON object: %v", method, path, err)
	}
	return status, m
}

// event is one Server-Sent Event.
type event struct {
	ID, Event, Data string
}

// sse is an open event stream. A goroutine it owns parses events until
// the stream ends; Close stops it and waits for it.
type sse struct {
	resp   *http.Response
	events chan event
	done   chan struct{}
}

// openSSE opens path (relative to the rig) with an optional Last-Event-ID.
func (r *rig) openSSE(path, key, lastID string) *sse {
	r.t.Helper()
	req, _ := http.NewRequest("GET", r.URL+path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		r.t.Fatalf("GET %s = %d %s %q, want an event stream", path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	s := &sse{resp: resp, events: make(chan event, 64), done: make(chan struct{})}
	go s.parse()
	r.t.Cleanup(s.Close)
	return s
}

func (s *sse) parse() {
	defer close(s.done)
	defer close(s.events)
	sc := bufio.NewScanner(s.resp.Body)
	sc.Buffer(nil, 1<<20)
	var e event
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if e != (event{}) {
				s.events <- e
			}
			e = event{}
		case strings.HasPrefix(line, "id: "):
			e.ID = line[4:]
		case strings.HasPrefix(line, "event: "):
			e.Event = line[7:]
		case strings.HasPrefix(line, "data: "):
			e.Data = line[6:]
		}
	}
}

// next returns the next event, or fails when the stream ends or stays
// silent too long.
func (s *sse) next(t *testing.T) event {
	t.Helper()
	select {
	case e, ok := <-s.events:
		if !ok {
			t.Fatal("event stream ended")
		}
		return e
	case <-time.After(wait):
		t.Fatal("no event")
	}
	return event{}
}

// ended reports whether the stream ends (after draining any events)
// within the wait.
func (s *sse) ended() bool {
	deadline := time.After(wait)
	for {
		select {
		case _, ok := <-s.events:
			if !ok {
				return true
			}
		case <-deadline:
			return false
		}
	}
}

// Close ends the stream and waits for its parser.
func (s *sse) Close() {
	s.resp.Body.Close()
	for range s.events {
	}
	<-s.done
}

// posters runs fn in n goroutines and collects their errors; Wait returns
// the first one.
type posters struct {
	wg   sync.WaitGroup
	mu   sync.Mutex
	errs []error
}

func (p *posters) Go(fn func() error) {
	p.wg.Go(func() {
		if err := fn(); err != nil {
			p.mu.Lock()
			p.errs = append(p.errs, err)
			p.mu.Unlock()
		}
	})
}

func (p *posters) Wait() error {
	p.wg.Wait()
	return errors.Join(p.errs...)
}

// postSeqs posts replies seq from..to (the last isEnd when end) in order,
// returning the first failure.
func (r *rig) postSeqs(cid, token string, from, to int, end bool) error {
	for seq := from; seq <= to; seq++ {
		status, a, err := r.tryReply(cid, token, map[string]any{"seq": seq, "isEnd": end && seq == to, "data": map[string]int{"n": seq}})
		if err != nil {
			return err
		}
		if status != http.StatusAccepted {
			return fmt.Errorf("reply seq %d = %d %+v", seq, status, a)
		}
	}
	return nil
}

// tryDo is rig.do for goroutines other than the test's: it reports
// failure instead of ending the test.
func (r *rig) tryDo(method, path, key string, body any) (int, error) {
	j, err := json.Marshal(body)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequest(method, r.URL+path, bytes.NewReader(j))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// tryGet is a GET for goroutines other than the test's; it decodes the
// JSON answer into v.
func (r *rig) tryGet(path, key string, v any) (int, error) {
	req, err := http.NewRequest("GET", r.URL+path, nil)
	if err != nil {
		return 0, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, json.NewDecoder(resp.Body).Decode(v)
}
