package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// uploadSize is the file the upload scenario moves, in MiB (-n caps it).
func (b *bench) uploadMiB() int { return min(b.o.n, 1024) }

// upload moves one large file to a service directly and through the hub,
// and reports both throughputs and the hub's peak resident memory.
func upload(ctx context.Context, b *bench) (any, error) {
	defer b.stopAll()
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mr, err := r.MultipartReader()
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		var n int64
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			c, _ := io.Copy(io.Discard, p)
			n += c
		}
		fmt.Fprintf(w, `{"bytes":%d}`, n)
	}))
	defer sink.Close()
	size := int64(b.uploadMiB()) << 20
	direct, err := timeUpload(ctx, sink.URL+"/upload", "", size)
	if err != nil {
		return nil, fmt.Errorf("direct: %w", err)
	}
	y := strings.Replace(hubConfig("memory", "", sink.URL, "http://127.0.0.1:9"),
		"limits: {wsSendBuffer: 4096}", "limits: {wsSendBuffer: 4096, maxFileBytes: 2GiB}", 1) +
		fmt.Sprintf("files: {dir: %q}\n", b.dir+"/files")
	url, err := b.hub(y)
	if err != nil {
		return nil, err
	}
	pid := b.procs[len(b.procs)-1].Process.Pid
	via, err := timeUpload(ctx, url+"/v1/requests", "bench-key", size)
	if err != nil {
		return nil, fmt.Errorf("through the hub: %w", err)
	}
	return map[string]any{"mib": b.uploadMiB(), "direct_mib_per_s": mibs(size, direct), "hub_mib_per_s": mibs(size, via),
		"hub_vs_direct": float64(int(direct.Seconds()/via.Seconds()*100)) / 100, "hub_peak_rss_mib": peakRSS(pid) / 1024}, nil
}

// timeUpload streams a multipart upload of size pseudo-random bytes.
func timeUpload(ctx context.Context, url, key string, size int64) (time.Duration, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		mw.WriteField("request", `{"serviceId":"svc","method":"POST","path":"/upload"}`)
		part, _ := mw.CreateFormFile("file", "big.bin")
		_, err := io.CopyN(part, randReader{rand.NewPCG(1, 2)}, size)
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequestWithContext(ctx, "POST", url, pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return 0, fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	return time.Since(start), nil
}

type randReader struct{ src *rand.PCG }

func (r randReader) Read(p []byte) (int, error) {
	for i := 0; i+8 <= len(p); i += 8 {
		v := r.src.Uint64()
		for j := range 8 {
			p[i+j] = byte(v >> (8 * j))
		}
	}
	return len(p) - len(p)%8, nil
}

func mibs(size int64, d time.Duration) float64 {
	return float64(int(float64(size)/(1<<20)/d.Seconds()*10)) / 10
}

// peakRSS reads a process's high-water resident memory in KiB.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	m := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n
}
