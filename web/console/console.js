// console.js: the operator console. Plain ES module, no dependencies. It
// reads the admin API with the admin key, kept in this tab's
// sessionStorage and sent as a Bearer header, and follows replies over
// the hub's own WebSocket with a short-lived admin ticket.

const KEY = "callhub.adminKey";
const REFRESH = 2000; // ms between refreshes of the open view
const $ = (id) => document.getElementById(id);

let key = sessionStorage.getItem(KEY) || "";
let timer = null; // refreshes the open view
let shown = {}; // tbody id → JSON last rendered, so an unchanged list keeps focus

// api calls the admin API and resolves to its JSON answer; an error
// answer rejects with the hub's message.
async function api(method, path) {
  const resp = await fetch(path, { method, headers: { Authorization: "Bearer " + key } });
  let body;
  try { body = await resp.json(); } catch { body = { msg: resp.statusText }; }
  if (resp.status === 401) signOut("Signed out: " + (body.msg || "key refused"));
  if (!resp.ok) throw Object.assign(new Error(body.msg || resp.statusText), { status: resp.status });
  return body;
}

// el builds an element; children are nodes or text (never parsed as HTML).
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(e.dataset, v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c));
  return e;
}

const badge = (state) => el("span", { class: "badge s-" + state }, state);
const td = (...c) => el("td", {}, ...c);

function fmtTime(iso) {
  if (!iso) return "";
  const d = new Date(iso), p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

const json = (v) => (v === undefined ? "" : JSON.stringify(v));

function flash(msg, bad = false) {
  $("flash").textContent = msg;
  $("flash").classList.toggle("bad", bad);
}

// fill replaces a tbody's rows when what they show changed.
function fill(id, data, row) {
  const j = JSON.stringify(data);
  if (shown[id] === j) return;
  shown[id] = j;
  $(id).replaceChildren(...data.map(row));
}

// ---- sign in ----

async function signIn(ev) {
  ev.preventDefault();
  key = $("key").value.trim();
  $("signin-error").textContent = "";
  try {
    await api("GET", "/v1/stats");
  } catch (e) {
    key = "";
    $("signin-error").textContent = e.status === 403 ? "That is not the admin key." : e.message;
    return;
  }
  sessionStorage.setItem(KEY, key);
  $("key").value = "";
  start();
}

function signOut(msg = "") {
  sessionStorage.removeItem(KEY);
  key = "";
  stopTail();
  clearTimeout(timer);
  for (const v of document.querySelectorAll(".view")) v.hidden = true;
  $("nav").hidden = $("signout").hidden = true;
  $("signin").hidden = false;
  flash(msg, !!msg);
  $("key").focus();
}

function start() {
  $("signin").hidden = true;
  $("nav").hidden = $("signout").hidden = false;
  flash("");
  if (!location.hash) location.hash = "#overview";
  route();
}

// ---- routing: #overview, #requests, #request/<cid>, #deliveries, #endpoints, #services, #tail ----

const views = { overview: loadOverview, requests: loadRequests, request: loadRequest,
  deliveries: loadDeliveries, endpoints: loadEndpoints, services: loadServices, tail: null };

function route() {
  if (!key) return;
  const [name, arg] = location.hash.slice(1).split("/");
  const view = name in views ? name : "overview";
  for (const v of document.querySelectorAll(".view")) v.hidden = v.id !== "view-" + view;
  for (const a of document.querySelectorAll("nav a")) {
    const on = a.dataset.view === view || (view === "request" && a.dataset.view === "requests");
    if (on) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  shown = {};
  refresh(views[view], arg && decodeURIComponent(arg));
}

// refresh loads the open view now and every REFRESH ms while it stays open.
function refresh(load, arg) {
  clearTimeout(timer);
  if (!load) return;
  const tick = async () => {
    try { await load(arg); } catch (e) { if (e.status !== 401) flash(e.message, true); }
    if (key) timer = setTimeout(tick, REFRESH);
  };
  tick();
}

// ---- overview ----

async function loadOverview() {
  const s = await api("GET", "/v1/stats");
  const counts = (id, m) => $(id).replaceChildren(...Object.entries(m).flatMap(([k, n]) => [el("dt", {}, badge(k)), el("dd", {}, n)]));
  counts("stats-requests", s.requests);
  counts("stats-deliveries", s.deliveries);
  fill("stats-rates", ["1m", "5m"], (w) => { const r = s.rates[w];
    return el("tr", {}, el("th", { scope: "row" }, w === "1m" ? "last minute" : "last 5 minutes"),
      td(r.requests), td(r.replies), td(r.deliveries), td(r.failures)); });
  $("stats-at").textContent = "updated " + fmtTime(s.at) + (s.capped ? " · counts capped at 10 000" : "");
}

// ---- requests ----

function sinceParam(id) {
  const v = $(id).value;
  return v ? new Date(v).toISOString().replace(/\.\d+Z$/, "Z") : "";
}

let reqCursor = "";

async function loadRequests() {
  const q = new URLSearchParams({ caller: $("req-caller").value.trim(), service: $("req-service").value.trim(),
    state: $("req-state").value, since: sinceParam("req-since"), limit: "50" });
  for (const [k, v] of [...q]) if (!v) q.delete(k);
  const ans = await api("GET", "/v1/requests?" + q);
  reqCursor = ans.cursor;
  $("req-more").hidden = !ans.cursor;
  fill("requests", ans.requests, requestRow);
}

function requestRow(r) {
  const last = r.lastReply ? `seq ${r.lastReply.seq}${r.lastReply.isEnd ? " (end)" : ""} · ${fmtTime(r.lastReply.at)}` : "—";
  return el("tr", { dataset: { cid: r.cid, state: r.state } },
    td(fmtTime(r.createdAt)), td(el("a", { href: "#request/" + encodeURIComponent(r.cid), class: "cid" }, r.cid)),
    td(r.caller), td(r.serviceId), td(r.mode || ""), td(badge(r.state)), td(last));
}

async function moreRequests() {
  const ans = await api("GET", "/v1/requests?limit=50&cursor=" + encodeURIComponent(reqCursor));
  reqCursor = ans.cursor;
  $("req-more").hidden = !ans.cursor;
  clearTimeout(timer); // a longer list stays as it is until the filter is applied again
  $("requests").append(...ans.requests.map(requestRow));
}

// ---- one request ----

async function loadRequest(cid) {
  const r = await api("GET", "/v1/requests/" + encodeURIComponent(cid));
  $("detail-cid").textContent = r.cid;
  $("detail-state").replaceWith(Object.assign(badge(r.state), { id: "detail-state" }));
  const meta = { caller: r.caller, service: r.serviceId, mode: r.mode || "", created: fmtTime(r.createdAt) };
  $("detail-meta").replaceChildren(...Object.entries(meta).flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  fill("detail-steps", r.steps || [], (s) => el("tr", {}, td(s.seq), td(String(s.isEnd)), td(s.status || ""), td(s.error || ""), td(fmtTime(s.at))));
  fill("detail-replies", r.replies, (p) => el("tr", { dataset: { seq: p.seq, acked: p.ackedAt ? "yes" : "no" } }, td(p.seq),
    td(String(p.isEnd)), td(p.code), el("td", { class: "data" }, json(p.data)), td(fmtTime(p.at)),
    td(p.ackedAt ? fmtTime(p.ackedAt) : "—")));
  const j = JSON.stringify(r.deliveries);
  if (shown["detail-deliveries"] !== j) {
    shown["detail-deliveries"] = j;
    $("detail-deliveries").replaceChildren(...(r.deliveries.length ? r.deliveries.map(deliveryCard) : [el("p", { class: "hint" }, "No callback.")]));
  }
}

function deliveryCard(d) {
  const retry = d.state === "dead" || d.state === "failed"
    ? el("button", { type: "button", class: "quiet", onclick: () => retryOne(d.id) }, "Retry") : null;
  return el("div", { class: "card delivery", dataset: { id: d.id, state: d.state } },
    el("header", {}, el("strong", {}, "seq " + d.seq), badge(d.state), el("span", { class: "hint" }, `${d.attempts} attempt(s)`),
      d.nextAttemptAt ? el("span", { class: "hint" }, "next " + fmtTime(d.nextAttemptAt)) : null,
      d.state === "skipped" ? el("span", { class: "hint" }, "not sent: the reply was acknowledged live") : null, retry),
    el("div", { class: "scroll" }, el("table", {},
      el("thead", {}, el("tr", {}, ["at", "ms", "status", "error", "body"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, (d.attemptLog || []).map((a) => el("tr", {}, td(fmtTime(a.at)), td(a.durationMs),
        td(a.status ? badge(a.status >= 200 && a.status < 300 ? "delivered" : "failed") : "—", " ", a.status || ""),
        td(a.error || ""), el("td", { class: "data" }, a.body || "")))))));
}

// ---- deliveries ----

async function loadDeliveries() {
  const q = new URLSearchParams({ state: $("dl-state").value, caller: $("dl-caller").value.trim(), limit: "200" });
  for (const [k, v] of [...q]) if (!v) q.delete(k);
  const ans = await api("GET", "/v1/deliveries?" + q);
  const ep = $("dl-endpoint").value.trim().replace(/\/+$/, "");
  const list = ep ? ans.deliveries.filter((d) => d.url === ep || d.url.startsWith(ep + "/") || d.url.startsWith(ep + "?")) : ans.deliveries;
  fill("deliveries", list, (d) => el("tr", { dataset: { id: d.id, state: d.state } },
    td(el("a", { href: "#request/" + encodeURIComponent(d.cid), class: "cid" }, d.id)), td(d.caller), td(d.url),
    td(badge(d.state)), td(d.attempts), td(d.lastError || (d.lastStatus ? "HTTP " + d.lastStatus : "")),
    td(d.state === "dead" || d.state === "failed"
      ? el("button", { type: "button", class: "quiet retry", onclick: () => retryOne(d.id) }, "Retry") : "")));
}

async function retryOne(id) {
  try {
    await api("POST", "/v1/deliveries/" + encodeURIComponent(id) + "/retry");
    flash(`Delivery ${id} queued again.`);
    route();
  } catch (e) { flash(e.message, true); }
}

async function retryDead(ev) {
  ev.preventDefault();
  const q = new URLSearchParams({ caller: $("rd-caller").value.trim() });
  const since = sinceParam("rd-since");
  if (since) q.set("since", since);
  try {
    const ans = await api("POST", "/v1/deliveries/retry?" + q);
    flash(`${ans.queued} dead deliveries queued again.`);
    route();
  } catch (e) { flash(e.message, true); }
}

// ---- endpoints ----

async function loadEndpoints() {
  const ans = await api("GET", "/v1/endpoints");
  fill("endpoints", ans.endpoints, (e) => {
    const state = !e.enabled ? "disabled" : e.failingSince ? "failing" : "enabled";
    return el("tr", { dataset: { endpoint: e.endpoint, state } }, td(e.endpoint), td(e.callers.join(", ")), td(badge(state)),
      td(fmtTime(e.failingSince)), td(e.lastStatus || "—"), td(e.inFlight),
      td(e.failingSince ? el("button", { type: "button", class: "quiet", onclick: () => enable(e.endpoint) },
        e.enabled ? "Reset" : "Re-enable") : ""));
  });
}

async function enable(endpoint) {
  try {
    await api("POST", "/v1/endpoints/enable?endpoint=" + encodeURIComponent(endpoint));
    flash(`${endpoint} enabled.`);
    route();
  } catch (e) { flash(e.message, true); }
}

// ---- services: each one's breaker (closed is healthy, open refuses) ----

async function loadServices() {
  const ans = await api("GET", "/v1/services");
  fill("services", ans.services, (s) =>
    el("tr", { dataset: { id: s.id, breaker: s.breaker } }, td(s.id), td(s.baseURL),
      td(el("span", { class: "badge breaker-" + s.breaker }, s.breaker)), td(s.failures), td(fmtTime(s.openUntil) || "—")));
}

// ---- live tail: one socket with an admin ticket; a cid resumes with since ----

let tail = null; // {ws, kind, target, since, backoff, retry}

function tailState(s) {
  $("tail-state").replaceWith(Object.assign(badge(s), { id: "tail-state" }));
}

function startTail(ev) {
  ev.preventDefault();
  stopTail();
  $("tail").replaceChildren();
  tail = { kind: $("tail-kind").value, target: $("tail-target").value.trim(), since: "", backoff: 250 };
  connectTail(tail);
}

async function connectTail(t) {
  if (tail !== t) return;
  tailState("connecting");
  let ticket;
  try { ticket = (await api("POST", "/v1/ws/tickets")).ticket; } catch (e) { return retryTail(t, e.message); }
  if (tail !== t) return;
  const ws = new WebSocket(location.origin.replace(/^http/, "ws") + "/v1/ws?ticket=" + encodeURIComponent(ticket));
  t.ws = ws;
  ws.onopen = () => {
    t.backoff = 250;
    const f = t.kind === "cid" ? { op: "subscribe", cid: t.target, since: t.since } : { op: "subscribe", caller: t.target };
    ws.send(JSON.stringify(f));
  };
  ws.onmessage = (m) => tailFrame(t, JSON.parse(m.data));
  ws.onclose = () => retryTail(t, "");
}

function tailFrame(t, f) {
  if (f.type === "subscribed") return tailState("open");
  if (f.type === "error") { flash("Live tail: " + f.msg, true); return stopTail(); }
  if (f.type !== "reply") return;
  if (t.kind === "cid") t.since = f.offset;
  $("tail").prepend(el("tr", { dataset: { cid: f.cid, seq: f.seq } }, td(fmtTime(f.at) || fmtTime(new Date().toISOString())),
    td(el("a", { href: "#request/" + encodeURIComponent(f.cid), class: "cid" }, f.cid)), td(f.seq), td(String(f.isEnd)),
    td(f.code), el("td", { class: "data" }, json(f.data))));
  while ($("tail").rows.length > 500) $("tail").deleteRow(-1);
}

function retryTail(t, msg) {
  if (tail !== t) return;
  if (msg) flash("Live tail: " + msg, true);
  tailState("reconnecting");
  t.retry = setTimeout(() => connectTail(t), t.backoff / 2 + Math.random() * t.backoff / 2);
  t.backoff = Math.min(t.backoff * 2, 10000);
}

function stopTail() {
  const t = tail;
  tail = null;
  if (!t) return;
  clearTimeout(t.retry);
  if (t.ws) { t.ws.onclose = null; t.ws.close(1000); }
  tailState("idle");
}

// ---- wiring ----

$("signin").addEventListener("submit", signIn);
$("signout").addEventListener("click", () => signOut());
$("req-filter").addEventListener("submit", (e) => { e.preventDefault(); route(); });
$("req-more").addEventListener("click", moreRequests);
$("dl-filter").addEventListener("submit", (e) => { e.preventDefault(); route(); });
$("retry-dead").addEventListener("submit", retryDead);
$("tail-form").addEventListener("submit", startTail);
$("tail-stop").addEventListener("click", stopTail);
window.addEventListener("hashchange", () => { route(); $("main").focus({ preventScroll: true }); });
if (key) start(); else $("key").focus();
