package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callhub/callhub/internal/testwait"
)

// startNginx runs nginx from Debian's package in front of the hubs, like
// deploy/nginx.conf (that file, its upstreams and port replaced), and returns its URL. It skips when nginx is missing
// (fails under CI=true).
func startNginx(t *testing.T, upstreams ...*proc) string {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx"} {
			if _, e := os.Stat(p); e == nil {
				bin, err = p, nil
			}
		}
	}
	if err != nil {
		msg := "NGINX NOT INSTALLED: skipping the load-balancer test (apt-get install nginx)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	servers := ""
	for _, u := range upstreams {
		servers += fmt.Sprintf("    server %s;\n", strings.TrimPrefix(u.URL, "http://"))
	}
	shipped, err := os.ReadFile(filepath.Join("..", "..", "deploy", "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	// The shipped file, with these hubs for compose's, this address for
	// its port, and paths of its own for what nginx writes.
	conf := string(shipped)
	for _, r := range []struct{ old, new string }{
		{"    server hub1:8888;\n    server hub2:8888;\n", servers},
		{"listen 8888;", "listen " + addr + ";"},
		{"http {\n", fmt.Sprintf("http {\n  access_log off;\n  client_body_temp_path %[1]s/body;\n"+
			"  proxy_temp_path %[1]s/proxy;\n  fastcgi_temp_path %[1]s/fastcgi;\n"+
			"  uwsgi_temp_path %[1]s/uwsgi;\n  scgi_temp_path %[1]s/scgi;\n", dir)},
	} {
		if !strings.Contains(conf, r.old) {
			t.Fatalf("deploy/nginx.conf no longer has %q", r.old)
		}
		conf = strings.Replace(conf, r.old, r.new, 1)
	}
	conf = fmt.Sprintf("daemon off;\nmaster_process off;\nerror_log %[1]s/error.log warn;\npid %[1]s/nginx.pid;\n", dir) + conf
	cfg := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", cfg, "-p", dir, "-e", filepath.Join(dir, "error.log"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url := "http://" + addr
	testwait.Until(t, "nginx to listen", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return url
}

// TestNginxInFront drives an async request and a WebSocket through nginx
// in front of two hubs on one Redis, the docker-compose topology.
func TestNginxInFront(t *testing.T) {
	c := newCluster(t)
	a, b := c.start(), c.start()
	lb := &proc{URL: startNginx(t, a, b)}
	cid, tok := c.send(lb, false)
	conn := dialWS(t, lb, "cid="+cid+"&token="+tok)
	for seq := 1; seq <= 4; seq++ { // round-robin: replies land on both hubs
		c.reply(lb, cid, seq, seq == 4)
		if f := nextReply(t, conn); f.Seq != seq {
			t.Fatalf("through nginx got seq %d, want %d", f.Seq, seq)
		}
	}
	resp, err := http.Get(lb.URL + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz through nginx = %v %v", resp, err)
	}
	resp.Body.Close()
	for _, tt := range []struct {
		url  string
		want int
	}{{lb.URL + "/metrics", 404}, {a.URL + "/metrics", 200}} {
		resp, err := http.Get(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("GET %s = %d, want %d (metrics only from the instance itself)", tt.url, resp.StatusCode, tt.want)
		}
	}
}
