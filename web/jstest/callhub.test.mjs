// Tests of callhub.js against a real callhub process:
//
//   node --test web/jstest/callhub.test.mjs   # builds ./cmd/callhub first (needs go)
//   CALLHUB_BIN=/path/to/callhub node --test web/jstest/callhub.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CallHub, newer } from "../static/callhub.js";
import { MiniWebSocket } from "./websocket.mjs";
import { startHub, startService, startProxy, until } from "./hub.mjs";

// Node 22 has a WebSocket; Node 20 gets the minimal one of these tests.
const WS = globalThis.WebSocket ?? MiniWebSocket;
const T = { timeout: 30000 };

let svc, hub;
before(async () => {
  svc = await startService();
  hub = await startHub(svc.url);
}, { timeout: 300000 });
after(async () => {
  await hub?.close();
  await svc?.close();
});

const asyncRequest = { serviceId: "svc", method: "POST", path: "/work", async: true };

// follow subscribes to ans.cid with its token and records what it hears.
function follow(client, ans, token = ans.wsToken) {
  const got = { replies: [], errors: [], states: [] };
  client.subscribe(ans.cid, {
    token,
    onReply: (r) => got.replies.push(r),
    onError: (e) => got.errors.push(e),
    onState: (s) => got.states.push(s),
  });
  return got;
}

const seqs = (got) => got.replies.map((r) => r.seq);

// resumeTest: replies 1-3 arrive, the proxy cuts every connection, 4-6
// are posted meanwhile, and the client resumes from the offset of 3 and
// hears each reply once, in order.
async function resumeTest(transport, resumed) {
  const proxy = await startProxy(hub.url);
  const client = new CallHub(proxy.url, { key: "shop-key", WebSocket: WS, transport });
  try {
    const ans = await client.send(asyncRequest);
    const got = follow(client, ans);
    await until("the client to connect", () => client.state === "open");
    for (const seq of [1, 2, 3]) await svc.reply(ans.cid, seq);
    await until("replies 1-3", () => got.replies.length === 3);
    const third = got.replies[2].offset;
    proxy.cut();
    for (const seq of [4, 5, 6]) await svc.reply(ans.cid, seq, seq === 6);
    await until("replies 4-6", () => got.replies.length >= 6);
    assert.deepEqual(seqs(got), [1, 2, 3, 4, 5, 6]);
    assert.ok(got.states.includes("reconnecting"), `states ${got.states}`);
    const again = proxy.requests.filter((r) => resumed.test(r)).slice(1);
    assert.ok(again.some((r) => r.includes(`since=${third}`)), `no resume from ${third} in ${proxy.requests.join(" | ")}`);
    await until("idle after the last reply", () => client.state === "idle");
  } finally {
    client.close();
    await proxy.close();
  }
}

test("WebSocket: resumes after a dropped connection, each reply once, in order", T, () =>
  resumeTest("websocket", /^GET \/v1\/ws\?/));

test("SSE: resumes after a dropped connection, each reply once, in order", T, () =>
  resumeTest("sse", /^GET \/v1\/requests\/[^/]+\/events/));

test("auto falls back to SSE when WebSocket upgrades are refused", T, async () => {
  const proxy = await startProxy(hub.url);
  proxy.blockUpgrades = true;
  const client = new CallHub(proxy.url, { key: "shop-key", WebSocket: WS });
  try {
    const ans = await client.send(asyncRequest);
    const got = follow(client, ans);
    await until("the fallback to open", () => client.state === "open");
    assert.equal(client.transport, "sse");
    await svc.reply(ans.cid, 1);
    await svc.reply(ans.cid, 2, true);
    await until("both replies", () => got.replies.length === 2);
    assert.deepEqual(seqs(got), [1, 2]);
    assert.equal(proxy.requests.filter((r) => r.startsWith("GET /v1/ws?")).length, 2, proxy.requests.join(" | "));
  } finally {
    client.close();
    await proxy.close();
  }
});

test("auto uses SSE without a WebSocket constructor", T, async () => {
  const client = new CallHub(hub.url, { key: "shop-key", WebSocket: null, fetch });
  assert.equal(client.transport, "sse");
  client.close();
  const sse = new CallHub(hub.url, { transport: "sse" });
  assert.equal(sse.transport, "sse");
  sse.close();
});

test("a refused cid is reported and forgotten, over either transport", T, async () => {
  const sender = new CallHub(hub.url, { key: "shop-key" });
  const ans = await sender.send(asyncRequest);
  for (const transport of ["sse", "auto"]) {
    const client = new CallHub(hub.url, { WebSocket: WS, transport }); // no key: the token must do
    const got = follow(client, ans, "not-a-token");
    await until(`${transport}: the refusal`, () => got.errors.length === 1);
    assert.equal(got.errors[0].code, 401, JSON.stringify(got.errors));
    assert.ok(got.errors[0].msg);
    assert.equal(client.subs.size, 0);
    assert.equal(client.state, "idle");
    client.close();
  }
});

test("WebSocket: an error frame for one cid leaves the others followed", T, async () => {
  const client = new CallHub(hub.url, { key: "shop-key", WebSocket: WS, transport: "websocket" });
  try {
    const a = await client.send(asyncRequest);
    const b = await client.send(asyncRequest);
    const gotA = follow(client, a);
    await until("the socket to open", () => client.state === "open");
    const gotB = follow(client, b, "not-a-token");
    await until("the error frame", () => gotB.errors.length === 1);
    assert.ok(gotB.errors[0].code >= 400 && gotB.errors[0].code < 500, JSON.stringify(gotB.errors));
    assert.ok(!client.subs.has(b.cid));
    await svc.reply(a.cid, 1, true);
    await until("a's reply", () => gotA.replies.length === 1);
  } finally {
    client.close();
  }
});

// ackedAt reads the ackedAt of each reply of cid from its record.
async function ackedAt(cid) {
  const resp = await fetch(`${hub.url}/v1/requests/${cid}`, { headers: { Authorization: "Bearer shop-key" } });
  return (await resp.json()).replies.map((r) => r.ackedAt ?? null);
}

test("WebSocket: ack and autoAck acknowledge replies, the isEnd one after the socket closed too", T, async () => {
  const client = new CallHub(hub.url, { WebSocket: WS, transport: "websocket" });
  try {
    const sender = new CallHub(hub.url, { key: "shop-key" });
    const manual = await sender.send(asyncRequest);
    const auto = await sender.send(asyncRequest);
    const got = [];
    client.subscribe(manual.cid, {
      token: manual.wsToken,
      onReply: (r) => got.push(r.seq === 2 ? client.ack(r.cid, r.offset) : r),
    });
    client.subscribe(auto.cid, { token: auto.wsToken, autoAck: true });
    await until("the socket to open", () => client.state === "open");
    assert.throws(() => client.ack(manual.cid, "x"), TypeError);
    await svc.reply(auto.cid, 1, true);
    await until("auto's reply acknowledged", async () => (await ackedAt(auto.cid))[0] !== null);
    await svc.reply(manual.cid, 1);
    await until("manual's first reply", () => got.length === 1);
    assert.deepEqual(await ackedAt(manual.cid), [null]); // opt-in: nothing without ack
    await svc.reply(manual.cid, 2, true);
    await until("manual's last reply", () => got.length === 2);
    assert.equal(got[1], true, "ack from onReply of the isEnd reply was not sent");
    assert.equal(client.state, "idle"); // the ack went over a socket of its own
    await until("manual's replies acknowledged", async () => (await ackedAt(manual.cid)).every((t) => t !== null));
  } finally {
    client.close();
  }
});

test("send rejects with the hub's status and message", T, async () => {
  const client = new CallHub(hub.url, { key: "shop-key" });
  await assert.rejects(client.send({ path: "/x" }), (e) => e.status === 400 && /serviceId/.test(e.message));
  const nobody = new CallHub(hub.url);
  await assert.rejects(nobody.send(asyncRequest), (e) => e.status === 401);
});

test("newer orders offsets numerically", () => {
  const cases = [
    ["1-0", "", true],
    ["10-0", "9-9", true],
    ["9-10", "9-9", true],
    ["9-9", "9-9", false],
    ["9-9", "10-0", false],
    ["18446744073709551615-1", "18446744073709551615-0", true],
  ];
  for (const [a, b, want] of cases) assert.equal(newer(a, b), want, `newer(${a}, ${b})`);
});
