package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/callhub/callhub/internal/testwait"
)

// startNginx runs nginx from Debian's package in front of the hubs, like
// deploy/nginx.conf, and returns its URL. It skips when nginx is missing
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
		servers += fmt.Sprintf("    server %s;\n", u.URL[len("http://"):])
	}
	conf := fmt.Sprintf(`daemon off;
master_process off;
error_log %[1]s/error.log warn;
pid %[1]s/nginx.pid;
events {}
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  upstream callhub {
%[2]s  }
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  server {
    listen %[3]s;
    location / {
      proxy_pass http://callhub;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_buffering off;
      proxy_read_timeout 1h;
    }
  }
}
`, dir, servers, addr)
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
}
