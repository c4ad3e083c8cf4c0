package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// TestServeConfigErrorExits: a bad config is refused before listening,
// with the key named.
func TestServeConfigErrorExits(t *testing.T) {
	addr := freeAddr(t)
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"serve", "--config", writeConfig(t, "store: nope\n"), "--listen", addr},
		env(nil), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "store: must be memory or redis") {
		t.Fatalf("run = %v, want the store key named", err)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("something listens although the config was refused")
	}
}

func TestRunUnknownVerb(t *testing.T) {
	err := run(context.Background(), []string{"frobnicate"}, env(nil), &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), `unknown verb "frobnicate"`) {
		t.Errorf("run = %v, want unknown verb", err)
	}
}

// TestServeDrainsOnSIGTERM: WebSockets close with 1001 and the process
// exits cleanly.
func TestServeDrainsOnSIGTERM(t *testing.T) {
	p := startHub(t, "callers: [{id: shop, apiKey: shop-key}]\ndemo: true\n")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+p.URL[4:]+"/v1/ws",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer shop-key"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	if err := wsjson.Write(ctx, conn, map[string]string{"op": "subscribe", "caller": "shop"}); err != nil {
		t.Fatal(err)
	}
	var f wsFrame
	if err := wsjson.Read(ctx, conn, &f); err != nil || f.Type != "subscribed" {
		t.Fatalf("subscribe: %+v, %v", f, err)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	_, _, err = conn.Read(ctx)
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.StatusGoingAway {
		t.Errorf("read after SIGTERM = %v, want close 1001", err)
	}
	p.Terminate(t)
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code = %d, want 0\n%s", code, p.Logs())
	}
}

// TestDevBanner: the dev-mode banner shows working curl lines.
func TestDevBanner(t *testing.T) {
	a := &app{cfg: &Config{}, dev: true, public: "http://127.0.0.1:8888"}
	var b bytes.Buffer
	a.banner(&b)
	for _, want := range []string{`curl -s http://127.0.0.1:8888/v1/requests -d '{"serviceId":"echo"`, `"async":true`, "ws://127.0.0.1:8888/v1/ws"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, b.String())
		}
	}
}
