// The real parts the client tests run against, all on loopback: a callhub
// process (the binary CALLHUB_BIN names, or one built from ./cmd/callhub),
// a service it forwards to, and a TCP proxy between client and hub that
// can cut every connection or refuse WebSocket upgrades.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

// until polls cond every 10ms until it holds, or fails after ms.
export async function until(what, cond, ms = 10000) {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const ln = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = ln.address();
      ln.close(() => resolve(port));
    });
    ln.on("error", reject);
  });
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)));
}

// startService runs the service "svc": it answers every forwarded request
// 202 and keeps its Callhub-* headers by cid.
export async function startService() {
  const forwarded = new Map(); // cid → {replyURL, token}
  const server = http.createServer((req, res) => {
    req.resume();
    const cid = req.headers["callhub-cid"];
    forwarded.set(cid, { replyURL: req.headers["callhub-reply-url"], token: req.headers["callhub-reply-token"] });
    res.writeHead(202, { "Content-Type": "application/json" }).end('{"accepted":true}');
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    // reply posts reply seq of cid as the service, and returns the hub's answer.
    async reply(cid, seq, isEnd = false) {
      const f = forwarded.get(cid);
      const resp = await fetch(f.replyURL, {
        method: "POST",
        headers: { Authorization: "Bearer " + f.token, "Content-Type": "application/json" },
        body: JSON.stringify({ seq, isEnd, data: { n: seq } }),
      });
      if (resp.status !== 202) throw new Error(`reply ${seq} to ${cid}: ${resp.status} ${await resp.text()}`);
      return resp.json();
    },
    // heartbeat posts a heartbeat of cid with body as the service.
    async heartbeat(cid, body = {}) {
      const f = forwarded.get(cid);
      const resp = await fetch(f.replyURL + "/heartbeat", {
        method: "POST",
        headers: { Authorization: "Bearer " + f.token, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      if (resp.status !== 204) throw new Error(`heartbeat of ${cid}: ${resp.status} ${await resp.text()}`);
    },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

// binary returns CALLHUB_BIN, or builds cmd/callhub into dir.
function binary(dir) {
  if (process.env.CALLHUB_BIN) return process.env.CALLHUB_BIN;
  const bin = join(dir, "callhub");
  execFileSync("go", ["build", "-o", bin, "./cmd/callhub"], { cwd: root, stdio: "inherit" });
  return bin;
}

// startHub runs callhub with the caller shop (key shop-key) and the
// service svc at serviceURL, and waits until it is ready.
export async function startHub(serviceURL) {
  const dir = mkdtempSync(join(tmpdir(), "callhub-jstest-"));
  const bin = binary(dir);
  const config = join(dir, "callhub.yaml");
  writeFileSync(config, `callers:\n  - id: shop\n    apiKey: shop-key\nservices:\n  - id: svc\n    baseURL: ${serviceURL}\n`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(bin, ["serve", "--config", config, "--listen", `127.0.0.1:${port}`], { stdio: ["ignore", "pipe", "pipe"] });
  let logs = "";
  proc.stdout.on("data", (b) => (logs += b));
  proc.stderr.on("data", (b) => (logs += b));
  const exited = new Promise((r) => proc.on("exit", r));
  try {
    await until("callhub to be ready", async () => {
      if (proc.exitCode !== null) throw new Error(`callhub exited: ${logs}`);
      return fetch(url + "/readyz").then((r) => r.ok, () => false);
    }, 30000);
  } catch (e) {
    proc.kill("SIGKILL");
    throw e;
  }
  return {
    url,
    logs: () => logs,
    async close() {
      proc.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// startProxy forwards TCP connections to target's port. requests lists
// the first line of each connection's first request; cut() destroys every
// open connection, as a network failure would; with blockUpgrades set it
// answers WebSocket upgrades 403, as a proxy that does not carry them.
export async function startProxy(target) {
  const to = Number(new URL(target).port);
  const conns = new Set();
  const p = { requests: [], blockUpgrades: false };
  const server = net.createServer((client) => {
    conns.add(client);
    client.on("close", () => conns.delete(client));
    client.on("error", () => {});
    client.once("data", (first) => {
      const head = first.toString("latin1");
      p.requests.push(head.slice(0, head.indexOf("\r\n")));
      if (p.blockUpgrades && /^upgrade:\s*websocket/im.test(head)) {
        return client.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      }
      const upstream = net.connect(to, "127.0.0.1");
      upstream.write(first); // queued until connected, ahead of what the pipe brings
      conns.add(upstream);
      upstream.on("close", () => { conns.delete(upstream); client.destroy(); });
      upstream.on("error", () => client.destroy());
      client.on("close", () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });
  const port = await listen(server);
  return Object.assign(p, {
    url: `http://127.0.0.1:${port}`,
    cut: () => { for (const c of conns) c.destroy(); },
    close: () => new Promise((r) => { for (const c of conns) c.destroy(); server.close(r); }),
  });
}
