// callhub.js: the JavaScript client of callhub, for browsers and Node 18+.
// An ES module with no dependencies; loading it in a page also sets
// window.CallHub. Types: callhub.d.ts.
//
//   import { CallHub } from "/callhub.js";
//   const hub = new CallHub(location.origin, { key: "" }); // caller key; none in dev mode
//   const ans = await hub.send({ serviceId: "echo", path: "/async?replies=3", async: true });
//   hub.subscribe(ans.cid, {
//     token: ans.wsToken,   // from the 202 answer: lets a browser read this cid without a key
//     since: "",            // resume after this offset; "" replays every stored reply
//     onReply: (r) => {},   // {type, cid, seq, isEnd, code, msg, data, file, offset, at}
//     onState: (s) => {},   // "connecting" | "open" | "reconnecting" | "idle" | "closed"
//     onError: (e) => {},   // {code, msg}: the hub refused or failed this cid
//     autoAck: false,       // acknowledge each reply as it arrives (see ack)
//   });
//   hub.ack(ans.cid, reply.offset); // acknowledge every reply up to this one
//   hub.unsubscribe(ans.cid);
//   hub.close();
//
// new CallHub(baseURL, options) talks to the hub at baseURL (an origin,
// with a path prefix if the hub sits under one). Options:
//   key        a caller key, for send and for Server-Sent Events
//   onState    hears every state change of the connection
//   transport  "auto" (default), "websocket" or "sse"
//   WebSocket  the WebSocket constructor; defaults to the global one
//   fetch      the fetch function; defaults to the global one
//
// send(request) POSTs request as JSON to /v1/requests and resolves to the
// hub's answer {code, msg, cid, seq, status, data, wsToken}. An HTTP error
// rejects with an Error whose .status is the HTTP status and .body the
// hub's envelope.
//
// subscribe(cid, opts) follows the replies of cid. The client keeps the
// last offset of each cid. After any disconnect it reconnects with
// exponential backoff and jitter, 0.25s to 10s, and resubscribes with since
// = the last offset, so the hub resends exactly the replies missed. A reply
// whose offset is not newer than the last one seen is dropped: onReply sees
// each reply once, in order. After a cid's isEnd reply, or a refusal (a 4xx
// other than 408 and 429: bad token, unknown cid), the client forgets the
// cid; with no subscription left it goes "idle".
//
// Over WebSocket (/v1/ws), one socket carries every subscription of a
// client; browsers cannot put a key on a WebSocket, so it authenticates
// with the first subscription's token in its URL. A socket that closes
// (1013 "too slow", 1001 "hub going away", the network) or stays silent for
// two heartbeats is replaced. Over Server-Sent Events
// (/v1/requests/{cid}/events, read with fetch), each cid has its own
// stream, authenticated by its token or the key. "auto" uses WebSocket
// when there is a WebSocket constructor, and falls back to SSE for good
// when there is none, or when its first two sockets fail before they open
// (a proxy that refuses upgrades, say); once a socket has opened, it stays
// with WebSocket.
//
// unsubscribe(cid) stops following cid. close() ends every subscription and
// connection for good.
//
// ack(cid, offset) acknowledges every reply of cid up to offset: the hub
// records it (the record's ackedAt), and a request whose callback has
// when: "unacked" gets no callback for a reply acknowledged in time. It
// goes over the client's WebSocket, or, when none is open (the cid ended,
// a reconnect is pending, or the client uses SSE), over a socket of its own
// that closes once the hub answered; the subscription's token (kept for
// the last 64 cids that ended) authorizes it. It returns false only when it
// cannot be sent at all: no WebSocket constructor, or a closed client (the
// callback is then sent, as for a reply nobody saw). Acknowledging is
// opt-in: call ack once a reply is handled, or subscribe with autoAck to
// acknowledge each reply as it arrives.

const MIN_BACKOFF = 250;
const MAX_BACKOFF = 10000;
const HEARTBEAT = 25000; // client ping interval; two silent ones drop the socket
const SSE_SILENCE = 45000; // the hub's keep-alive comes every 15s: three missed drop the stream
const FALLBACK_AFTER = 2; // sockets failing before they open, in a row, before "auto" turns to SSE
const OPEN = 1; // WebSocket readyState values, as numbers: an injected constructor may lack the statics
const CLOSING = 2;
const ENDED_KEPT = 64; // ended cids whose token ack remembers

// newer reports whether offset a comes after offset b. Offsets are
// "<ms>-<n>" (Redis stream ids); "" is before every offset.
export function newer(a, b) {
  if (!b) return true;
  const [am, an] = a.split("-").map(BigInt);
  const [bm, bn] = b.split("-").map(BigInt);
  return am !== bm ? am > bm : an > bn;
}

// refusal reports whether an HTTP status means the hub will never accept.
const refusal = (code) => code >= 400 && code < 500 && code !== 408 && code !== 429;

const nop = () => {};

export class CallHub {
  constructor(baseURL, { key = "", onState = nop, transport = "auto", WebSocket: WS, fetch: fetchFn } = {}) {
    this.base = String(baseURL).replace(/\/+$/, "");
    this.key = key;
    this.onState = onState;
    this.WS = WS === undefined ? globalThis.WebSocket : WS; // null: none
    this.fetch = fetchFn ?? globalThis.fetch.bind(globalThis);
    if (!["auto", "websocket", "sse"].includes(transport)) throw new TypeError(`callhub: transport ${JSON.stringify(transport)}`);
    if (transport === "websocket" && !this.WS) throw new TypeError("callhub: no WebSocket constructor");
    this.auto = transport === "auto";
    this.transport = transport === "sse" || !this.WS ? "sse" : "websocket";
    this.state = "idle";
    this.subs = new Map(); // cid → {token, since, onReply, onState, onError, stream state for SSE}
    this.ws = null; // the live socket; null while idle or waiting to reconnect
    this.backoff = MIN_BACKOFF;
    this.retry = null; // the pending reconnect timer
    this.pinger = null;
    this.seen = 0; // when the socket last heard from the hub
    this.unopened = 0; // sockets in a row that closed before they opened
    this.opened = false; // a socket of this client has opened: WebSocket gets through
    this.closed = false;
    this.endedTokens = new Map(); // cid → token of the cids that ended, for ack
  }

  async send(request) {
    const resp = await this.fetch(this.base + "/v1/requests", {
      method: "POST",
      headers: this.headers({ "Content-Type": "application/json" }),
      body: JSON.stringify(request),
    });
    const body = await envelope(resp);
    if (!resp.ok) throw Object.assign(new Error(body.msg || resp.statusText), { status: resp.status, body });
    return body;
  }

  headers(h = {}) {
    if (this.key) h.Authorization = "Bearer " + this.key;
    return h;
  }

  subscribe(cid, { token = "", since = "", onReply = nop, onState = nop, onError = nop, autoAck = false } = {}) {
    if (this.closed) throw new Error("callhub: subscribe on a closed client");
    if (since && !/^\d+-\d+$/.test(since)) throw new TypeError(`callhub: since ${JSON.stringify(since)} is not an offset`);
    this.stop(this.subs.get(cid));
    const s = { token, since, onReply, onState, onError, autoAck, backoff: MIN_BACKOFF, ctrl: null, timer: null };
    this.subs.set(cid, s);
    onState(this.state);
    if (this.transport === "sse") this.stream(cid, s);
    else if (this.ws && this.ws.readyState === OPEN) this.frame("subscribe", cid);
    else if (!this.ws && !this.retry) this.connect();
  }

  unsubscribe(cid) {
    const s = this.subs.get(cid);
    if (!s) return;
    this.subs.delete(cid);
    this.stop(s);
    if (!this.subs.size) return this.transport === "sse" ? this.setState("idle") : this.drop(this.ws, "idle");
    if (this.ws && this.ws.readyState === OPEN) this.frame("unsubscribe", cid);
  }

  ack(cid, offset) {
    if (!/^\d+-\d+$/.test(offset)) throw new TypeError(`callhub: offset ${JSON.stringify(offset)} is not an offset`);
    if (this.closed || !this.WS) return false;
    const token = this.subs.get(cid)?.token ?? this.endedTokens.get(cid) ?? "";
    const f = token ? { op: "ack", cid, offset, token } : { op: "ack", cid, offset };
    if (this.transport === "websocket" && this.ws && this.ws.readyState === OPEN) {
      this.ws.send(JSON.stringify(f));
      return true;
    }
    // No socket to carry it (the cid ended, a reconnect is pending, or
    // SSE): a socket of its own, closed once the hub answered a ping.
    const q = new URLSearchParams({ cid, since: offset });
    if (token) q.set("token", token);
    const ws = new this.WS(this.base.replace(/^http/, "ws") + "/v1/ws?" + q);
    ws.onopen = () => {
      ws.send(JSON.stringify(f));
      ws.send(JSON.stringify({ op: "ping" }));
    };
    ws.onmessage = (ev) => ["pong", "error"].includes(JSON.parse(ev.data).type) && ws.close(1000);
    ws.onclose = null;
    return true;
  }

  // ended keeps the token of a cid that ended, so that its replies can
  // still be acknowledged; the last ENDED_KEPT of them.
  ended(cid, token) {
    this.endedTokens.delete(cid);
    this.endedTokens.set(cid, token);
    if (this.endedTokens.size > ENDED_KEPT) this.endedTokens.delete(this.endedTokens.keys().next().value);
  }

  close() {
    this.setState("closed");
    this.closed = true;
    for (const s of this.subs.values()) this.stop(s);
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
    const ws = new this.WS(this.base.replace(/^http/, "ws") + "/v1/ws?" + q);
    this.ws = ws;
    let opened = false;
    if (this.state !== "reconnecting") this.setState("connecting");
    ws.onopen = () => {
      opened = this.opened = true;
      this.unopened = 0;
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
    ws.onclose = () => {
      if (!opened && ++this.unopened >= FALLBACK_AFTER && this.auto && !this.opened) return this.fallBack(ws);
      this.drop(ws, "reconnecting");
    };
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
      if (ws.readyState < CLOSING) ws.close(1000);
    }
    if (this.closed) return;
    if (next === "reconnecting" && !this.subs.size) next = "idle";
    this.setState(next);
    if (next !== "reconnecting") return;
    this.retry = setTimeout(() => this.connect(), jitter(this.backoff));
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF);
  }

  // fallBack gives up on WebSocket and follows every cid over SSE.
  fallBack(ws) {
    this.drop(ws, "reconnecting");
    clearTimeout(this.retry);
    this.retry = null;
    this.transport = "sse";
    for (const [cid, s] of this.subs) this.stream(cid, s);
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

  // stream follows cid over Server-Sent Events until it is stopped; a
  // stream that ends or fails is opened again after a backoff, from the
  // last offset.
  async stream(cid, s) {
    s.timer = null;
    const ctrl = new AbortController();
    s.ctrl = ctrl;
    if (this.state !== "reconnecting") this.setState("connecting");
    try {
      const resp = await this.fetch(this.eventsURL(cid, s), {
        headers: this.headers({ Accept: "text/event-stream" }),
        signal: ctrl.signal,
        cache: "no-store",
      });
      if (!resp.ok) return this.failed(cid, s, { code: resp.status, msg: (await envelope(resp)).msg });
      s.backoff = MIN_BACKOFF;
      this.setState("open");
      await readEvents(resp.body, ctrl, (ev) => ev.event === "reply" && this.receive(JSON.parse(ev.data)));
    } catch {
      // a network error, or the stream aborted
    }
    if (s.ctrl === ctrl && !ctrl.signal.aborted) this.restream(cid, s);
  }

  eventsURL(cid, s) {
    const q = new URLSearchParams();
    if (s.token) q.set("token", s.token);
    if (s.since) q.set("since", s.since);
    const query = String(q);
    return `${this.base}/v1/requests/${encodeURIComponent(cid)}/events${query ? "?" + query : ""}`;
  }

  // restream schedules stream(cid) again after a backoff.
  restream(cid, s) {
    s.ctrl?.abort();
    s.ctrl = null;
    if (this.closed || this.subs.get(cid) !== s) return;
    this.setState("reconnecting");
    clearTimeout(s.timer);
    s.timer = setTimeout(() => this.stream(cid, s), jitter(s.backoff));
    s.backoff = Math.min(s.backoff * 2, MAX_BACKOFF);
  }

  // stop ends the SSE stream of subscription s, or its pending reopening.
  stop(s) {
    if (!s) return;
    clearTimeout(s.timer);
    s.ctrl?.abort();
    s.ctrl = s.timer = null;
  }

  receive(msg) {
    const s = this.subs.get(msg.cid);
    if (!s) return; // pongs, acks, and cids no longer followed
    if (msg.type === "error") return this.failed(msg.cid, s, msg);
    if (msg.type !== "reply" || !newer(msg.offset, s.since)) return; // seen already
    s.since = msg.offset;
    if (s.autoAck) this.ack(msg.cid, msg.offset);
    if (msg.isEnd) this.ended(msg.cid, s.token);
    if (msg.isEnd) this.unsubscribe(msg.cid);
    s.onReply(msg);
  }

  // failed handles an error of the hub for cid: a refusal will not heal,
  // so forget cid; anything else (5xx, 408, 429) is retried.
  failed(cid, s, err) {
    s.onError({ code: err.code, msg: err.msg });
    if (refusal(err.code)) this.unsubscribe(cid);
    else if (this.transport === "sse") this.restream(cid, s);
    else this.drop(this.ws, "reconnecting");
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.onState(state);
    for (const s of this.subs.values()) s.onState(state);
  }
}

// jitter returns a wait between half of backoff and backoff.
const jitter = (backoff) => backoff / 2 + (Math.random() * backoff) / 2;

// envelope reads the hub's JSON envelope, or makes one of a text answer.
async function envelope(resp) {
  const text = await resp.text();
  try {
    return JSON.parse(text);
  } catch {
    return { code: resp.status, msg: text.trim() || resp.statusText };
  }
}

// readEvents parses the text/event-stream body and calls onEvent with
// each {event, data, id} until the body ends; it aborts ctrl after
// SSE_SILENCE without a byte (the hub sends a keep-alive every 15s).
async function readEvents(body, ctrl, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  let ev = { event: "message", data: [], id: "" };
  let watchdog = setTimeout(() => ctrl.abort(), SSE_SILENCE);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      clearTimeout(watchdog);
      watchdog = setTimeout(() => ctrl.abort(), SSE_SILENCE);
      buf += value;
      const lines = buf.split(/\r\n|\r|\n/);
      buf = lines.pop();
      for (const line of lines) {
        if (line === "") {
          if (ev.data.length) onEvent({ event: ev.event, data: ev.data.join("\n"), id: ev.id });
          ev = { event: "message", data: [], id: "" };
          continue;
        }
        const i = line.indexOf(":");
        if (i === 0) continue; // a comment: the keep-alive
        const field = i < 0 ? line : line.slice(0, i);
        const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
        if (field === "data") ev.data.push(value);
        else if (field === "event") ev.event = value;
        else if (field === "id") ev.id = value;
      }
    }
  } finally {
    clearTimeout(watchdog);
    reader.cancel().catch(nop);
  }
}

export default CallHub;

if (typeof window !== "undefined") window.CallHub = CallHub;
