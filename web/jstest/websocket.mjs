// A minimal WebSocket client (RFC 6455) for Node versions without a global
// WebSocket (Node 20 and older): text frames, ping/pong and close, the
// subset of the browser API callhub.js uses (onopen, onmessage, onclose,
// readyState, send, close). Tests hand it to CallHub as its WebSocket
// constructor; Node 22 and later use their own.
import { randomBytes, createHash } from "node:crypto";
import http from "node:http";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

export class MiniWebSocket {
  constructor(url) {
    this.readyState = 0;
    this.onopen = this.onmessage = this.onclose = null;
    this.parts = []; // the fragments of a message being received
    this.buf = Buffer.alloc(0);
    const key = randomBytes(16).toString("base64");
    const req = http.get(url.replace(/^ws/, "http"), {
      headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": key },
    });
    req.on("upgrade", (res, socket, head) => {
      const accept = createHash("sha1").update(key + GUID).digest("base64");
      if (res.headers["sec-websocket-accept"] !== accept) return socket.destroy();
      this.socket = socket;
      socket.on("data", (b) => this.data(b));
      socket.on("close", () => this.closed(1006));
      socket.on("error", () => {});
      this.readyState = 1;
      this.onopen?.({});
      if (head.length) this.data(head);
    });
    req.on("response", (res) => { // not 101: refused, as a browser reports it
      res.resume();
      this.closed(1006);
    });
    req.on("error", () => this.closed(1006));
  }

  send(text) {
    if (this.readyState === 1) this.write(0x1, Buffer.from(text));
  }

  close(code = 1000) {
    if (this.readyState > 1) return;
    if (this.socket) {
      const b = Buffer.alloc(2);
      b.writeUInt16BE(code);
      this.write(0x8, b);
      this.socket.end();
    }
    this.closed(code);
  }

  // write sends one masked frame, as a client must.
  write(opcode, payload) {
    const mask = randomBytes(4);
    const n = payload.length;
    const head = n < 126 ? Buffer.from([0x80 | opcode, 0x80 | n])
      : n < 65536 ? Buffer.from([0x80 | opcode, 0x80 | 126, n >> 8, n & 255])
      : Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | 127]), bigLength(n)]);
    const body = Buffer.from(payload.map((x, i) => x ^ mask[i % 4]));
    this.socket.write(Buffer.concat([head, mask, body]));
  }

  data(chunk) {
    this.buf = Buffer.concat([this.buf, chunk]);
    for (;;) {
      const f = parseFrame(this.buf);
      if (!f) return;
      this.buf = this.buf.subarray(f.size);
      this.frame(f);
    }
  }

  frame({ fin, opcode, payload }) {
    if (opcode === 0x9) return this.write(0xa, payload); // ping → pong
    if (opcode === 0x8) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      if (this.readyState === 1) this.write(0x8, payload.subarray(0, 2));
      this.socket.end();
      return this.closed(code);
    }
    if (opcode === 0x1 || opcode === 0x0) {
      this.parts.push(payload);
      if (!fin) return;
      const data = Buffer.concat(this.parts).toString("utf8");
      this.parts = [];
      this.onmessage?.({ data });
    }
  }

  closed(code) {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.socket?.destroy();
    this.onclose?.({ code });
  }
}

function bigLength(n) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

// parseFrame reads one unmasked server frame from buf, or returns null
// when buf does not hold a whole one yet.
function parseFrame(buf) {
  if (buf.length < 2) return null;
  let n = buf[1] & 0x7f;
  let at = 2;
  if (n === 126) {
    if (buf.length < 4) return null;
    n = buf.readUInt16BE(2);
    at = 4;
  } else if (n === 127) {
    if (buf.length < 10) return null;
    n = Number(buf.readBigUInt64BE(2));
    at = 10;
  }
  if (buf.length < at + n) return null;
  return { fin: (buf[0] & 0x80) !== 0, opcode: buf[0] & 0x0f, payload: buf.subarray(at, at + n), size: at + n };
}
