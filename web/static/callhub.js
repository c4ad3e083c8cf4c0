// callhub.js — the browser client of callhub, no dependencies.
//
//   import { CallHub } from "/callhub.js";   // or window.CallHub
//   const hub = new CallHub(location.origin, { key: "" });   // key: caller key, or none
//   const ans = await hub.send({ serviceId: "echo", path: "/async?replies=3", async: true });
//   hub.subscribe(ans.cid, { token: ans.wsToken, onReply: r => ..., onState: s => ... });
//
// One WebSocket per client carries every subscription. The client keeps the
// last offset of each cid; after any disconnect (network, 1013 "too slow",
// 1001 "hub restarting") it reconnects with backoff and resubscribes with
// since = last offset, and it drops replies not newer than the last one, so
// onReply sees each reply once, in order. onState gets "connecting", "open"
// or "closed".

function offsetLess(a, b) {
  const [am, an] = a.split("-").map(Number), [bm, bn] = b.split("-").map(Number);
  return am !== bm ? am < bm : an < bn;
}

export class CallHub {
  constructor(baseURL, { key = "" } = {}) {
    this.base = baseURL.replace(/\/$/, "");
    this.key = key;
    this.subs = new Map(); // cid → {token, since, onReply}
    this.ws = null;
    this.backoff = 250;
    this.closed = false;
    this.onState = () => {};
  }

  async send(request) {
    const headers = { "Content-Type": "application/json" };
    if (this.key) headers.Authorization = "Bearer " + this.key;
    const resp = await fetch(this.base + "/v1/requests", { method: "POST", headers, body: JSON.stringify(request) });
    const body = await resp.json();
    if (!resp.ok) throw Object.assign(new Error(body.msg || resp.statusText), { status: resp.status, body });
    return body;
  }

  subscribe(cid, { token = "", since = "", onReply = () => {}, onState } = {}) {
    if (onState) this.onState = onState;
    this.subs.set(cid, { token, since, onReply });
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.frame(cid);
    else this.connect();
  }

  unsubscribe(cid) {
    this.subs.delete(cid);
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ op: "unsubscribe", cid }));
  }

  close() {
    this.closed = true;
    if (this.ws) this.ws.close(1000);
  }

  frame(cid) {
    const s = this.subs.get(cid);
    this.ws.send(JSON.stringify({ op: "subscribe", cid, token: s.token, since: s.since }));
  }

  connect() {
    if (this.closed || (this.ws && this.ws.readyState <= WebSocket.OPEN)) return;
    this.onState("connecting");
    const ws = new WebSocket(this.base.replace(/^http/, "ws") + "/v1/ws");
    this.ws = ws;
    ws.onopen = () => {
      this.backoff = 250;
      this.onState("open");
      for (const cid of this.subs.keys()) this.frame(cid);
    };
    ws.onmessage = (ev) => this.receive(JSON.parse(ev.data));
    ws.onclose = () => {
      this.onState("closed");
      if (this.closed || this.ws !== ws) return;
      this.ws = null;
      setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, 5000);
    };
  }

  receive(msg) {
    if (msg.type !== "reply") return;
    const s = this.subs.get(msg.cid);
    if (!s || (s.since && !offsetLess(s.since, msg.offset))) return; // seen already
    s.since = msg.offset;
    s.onReply(msg);
  }
}

if (typeof window !== "undefined") window.CallHub = CallHub;
