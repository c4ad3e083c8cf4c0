// callhub.js: the browser client of callhub. An ES module with no
// dependencies; loading it also sets window.CallHub.
//
//   import { CallHub } from "/callhub.js";
//   const hub = new CallHub(location.origin, { key: "" }); // caller key; none in dev mode
//   const ans = await hub.send({ serviceId: "echo", path: "/async?replies=3", async: true });
//   hub.subscribe(ans.cid, {
//     token: ans.wsToken,   // from the 202 answer: lets a browser read this cid without a key
//     since: "",            // resume after this offset; "" replays every stored reply
//     onReply: (r) => {},   // {type, cid, seq, isEnd, code, msg, data, file, offset, at}
//     onState: (s) => {},   // "connecting" | "open" | "reconnecting" | "idle" | "closed"
//     onError: (e) => {},   // {code, msg} of the hub's error frame for this cid
//   });
//   hub.unsubscribe(ans.cid);
//   hub.close();
//
// new CallHub(baseURL, {key, onState}) talks to the hub at baseURL (an
// origin, with a path prefix if the hub sits under one). key is a caller key
// for send; onState, if given, hears every state change of the connection.
//
// send(request) POSTs request as JSON to /v1/requests and resolves to the
// hub's answer {code, msg, cid, seq, status, data, wsToken}. An HTTP error
// rejects with an Error whose .status is the HTTP status and .body the
// hub's envelope.
//
// subscribe(cid, opts) follows the replies of cid. One WebSocket (/v1/ws)
// carries every subscription of a client; browsers cannot put a key on a
// WebSocket, so it authenticates with the first subscription's token in its
// URL. The client keeps the last offset of each cid. After any disconnect
// (the network, close 1013 "too slow", close 1001 "hub going away", or a
// socket silent for two heartbeats) it reconnects with exponential backoff
// and jitter, 0.25s to 10s, and resubscribes with since = the last offset,
// so the hub resends exactly the replies missed. A reply whose offset is not
// newer than the last one seen is dropped: onReply sees each reply once, in
// order. After a cid's isEnd reply, or a 4xx error frame for it (bad token,
// unknown cid), the client forgets the cid; with no subscription left it
// closes the socket ("idle") until the next subscribe.
//
// unsubscribe(cid) stops following cid. close() ends every subscription and
// the socket for good.

const MIN_BACKOFF = 250;
const MAX_BACKOFF = 10000;
const HEARTBEAT = 25000; // client ping interval; two silent ones drop the socket

// newer reports whether offset a comes after offset b. Offsets are
// "<ms>-<n>" (Redis stream ids); "" is before every offset.
export function newer(a, b) {
  if (!b) return true;
  const [am, an] = a.split("-").map(BigInt);
  const [bm, bn] = b.split("-").map(BigInt);
  return am !== bm ? am > bm : an > bn;
}

const nop = () => {};

export class CallHub {
  constructor(baseURL, { key = "", onState = nop } = {}) {
    this.base = String(baseURL).replace(/\/+$/, "");
    this.key = key;
    this.onState = onState;
    this.state = "idle";
    this.subs = new Map(); // cid → {token, since, onReply, onState, onError}
    this.ws = null; // the live socket; null while idle or waiting to reconnect
    this.backoff = MIN_BACKOFF;
    this.retry = null; // the pending reconnect timer
    this.pinger = null;
    this.seen = 0; // when the socket last heard from the hub
    this.closed = false;
  }

  async send(request) {
    const headers = { "Content-Type": "application/json" };
    if (this.key) headers.Authorization = "Bearer " + this.key;
    const resp = await fetch(this.base + "/v1/requests", { method: "POST", headers, body: JSON.stringify(request) });
    const text = await resp.text();
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = { code: resp.status, msg: text.trim() || resp.statusText };
    }
    if (!resp.ok) throw Object.assign(new Error(body.msg || resp.statusText), { status: resp.status, body });
    return body;
  }

  subscribe(cid, { token = "", since = "", onReply = nop, onState = nop, onError = nop } = {}) {
    if (this.closed) throw new Error("callhub: subscribe on a closed client");
    if (since && !/^\d+-\d+$/.test(since)) throw new TypeError(`callhub: since ${JSON.stringify(since)} is not an offset`);
    this.subs.set(cid, { token, since, onReply, onState, onError });
    onState(this.state);
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.frame("subscribe", cid);
    else if (!this.ws && !this.retry) this.connect();
  }

  unsubscribe(cid) {
    if (!this.subs.delete(cid)) return;
    if (!this.subs.size) return this.drop(this.ws, "idle");
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.frame("unsubscribe", cid);
  }

  close() {
    this.setState("closed");
    this.closed = true;
    this.subs.clear();
    this.drop(this.ws, "closed");
  }

  // connect opens a socket subscribed at once to the first cid (its token
  // authenticates the socket) and, when open, subscribes the others.
  connect() {
    this.retry = null;
    const [first] = this.subs.keys();
    if (this.closed || first === undefined) return;
    const s = this.subs.get(first);
    const q = new URLSearchParams({ cid: first });
    if (s.token) q.set("token", s.token);
    if (s.since) q.set("since", s.since);
    const ws = new WebSocket(this.base.replace(/^http/, "ws") + "/v1/ws?" + q);
    this.ws = ws;
    if (this.state !== "reconnecting") this.setState("connecting");
    ws.onopen = () => {
      this.backoff = MIN_BACKOFF;
      this.setState("open");
      for (const cid of this.subs.keys()) if (cid !== first) this.frame("subscribe", cid);
      if (!this.subs.has(first)) this.frame("unsubscribe", first); // dropped while connecting
      this.heartbeat(ws);
    };
    ws.onmessage = (ev) => {
      this.seen = Date.now();
      this.receive(JSON.parse(ev.data));
    };
    ws.onclose = () => this.drop(ws, "reconnecting");
  }

  // drop forgets socket ws (closed by the hub, the network, the heartbeat
  // or us) and goes to state next; "reconnecting" schedules a new socket.
  drop(ws, next) {
    if (ws && ws !== this.ws) return; // a socket already replaced changes nothing
    clearTimeout(this.retry);
    this.retry = null;
    if (ws) {
      this.ws = null;
      clearInterval(this.pinger);
      ws.onopen = ws.onmessage = ws.onclose = null;
      if (ws.readyState < WebSocket.CLOSING) ws.close(1000);
    }
    if (this.closed) return;
    if (next === "reconnecting" && !this.subs.size) next = "idle";
    this.setState(next);
    if (next !== "reconnecting") return;
    const wait = this.backoff / 2 + Math.random() * this.backoff / 2;
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF);
    this.retry = setTimeout(() => this.connect(), wait);
  }

  heartbeat(ws) {
    this.seen = Date.now();
    clearInterval(this.pinger);
    this.pinger = setInterval(() => {
      if (Date.now() - this.seen > 2 * HEARTBEAT) return this.drop(ws, "reconnecting"); // presumed dead
      ws.send(JSON.stringify({ op: "ping" }));
    }, HEARTBEAT);
  }

  frame(op, cid) {
    const s = this.subs.get(cid);
    const f = op === "subscribe" ? { op, cid, token: s.token, since: s.since } : { op, cid };
    this.ws.send(JSON.stringify(f));
  }

  receive(msg) {
    const s = this.subs.get(msg.cid);
    if (!s) return; // pongs, acks, and cids no longer followed
    if (msg.type === "error") return this.failed(msg.cid, s, msg);
    if (msg.type !== "reply" || !newer(msg.offset, s.since)) return; // seen already
    s.since = msg.offset;
    if (msg.isEnd) this.unsubscribe(msg.cid);
    s.onReply(msg);
  }

  // failed handles an error frame: a 5xx is the hub's trouble, so retry
  // every subscription on a new socket; a 4xx will not heal, so forget cid.
  failed(cid, s, err) {
    s.onError({ code: err.code, msg: err.msg });
    if (err.code >= 500) this.drop(this.ws, "reconnecting");
    else this.unsubscribe(cid);
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.onState(state);
    for (const s of this.subs.values()) s.onState(state);
  }
}

export default CallHub;

if (typeof window !== "undefined") window.CallHub = CallHub;
