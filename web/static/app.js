// The playground: send a request through the hub, show its answer, and
// follow an async request's replies live with the browser client.
import { CallHub } from "./callhub.js";

const $ = (id) => document.getElementById(id);
const MAX_LOG = 50;

let client = null; // kept while the key stays the same: one socket for every cid
let following = ""; // the cid whose replies are listed

function clientFor(key) {
  if (client && client.key === key) return client;
  if (client) client.close();
  client = new CallHub(location.origin, { key, onState: showState });
  window.callhubClient = client; // for tests and the curious
  return client;
}

function showState(state) {
  $("state").textContent = state;
  $("state").dataset.state = state;
  log(state, state);
}

function log(event, text) {
  const li = document.createElement("li");
  li.dataset.event = event;
  li.textContent = new Date().toLocaleTimeString() + "  " + text;
  $("log").append(li);
  while ($("log").children.length > MAX_LOG) $("log").firstElementChild.remove();
}

// readRequest builds the request from the form; it throws on bad JSON.
function readRequest() {
  const req = {
    serviceId: $("serviceId").value.trim(),
    method: $("method").value,
    path: $("path").value.trim(),
    async: $("async").checked,
  };
  const text = $("form").value.trim();
  if (text) {
    const form = JSON.parse(text);
    if (typeof form !== "object" || form === null || Array.isArray(form)) throw new Error("must be a JSON object");
    if (Object.keys(form).length) req.form = form;
  }
  return req;
}

function showAnswer(label, ok, body) {
  $("status").textContent = label;
  $("status").dataset.ok = String(ok);
  $("answer").textContent = typeof body === "string" ? body : JSON.stringify(body, null, 2);
}

function replyRow(r) {
  const tr = document.createElement("tr");
  tr.dataset.seq = r.seq;
  tr.dataset.offset = r.offset;
  if (r.isEnd) tr.className = "end";
  const data = r.file ? { data: r.data ?? null, file: r.file } : r.data ?? null;
  for (const v of [r.seq, r.isEnd ? "end" : "", JSON.stringify(data), r.offset]) {
    const td = document.createElement("td");
    td.textContent = v;
    tr.append(td);
  }
  return tr;
}

function follow(hub, answer) {
  following = answer.cid;
  $("following").textContent = answer.cid;
  hub.subscribe(answer.cid, {
    token: answer.wsToken,
    onReply: (r) => $("replies").append(replyRow(r)),
    onError: (e) => log("error", `error ${e.code} on ${answer.cid}: ${e.msg}`),
  });
}

async function send(ev) {
  ev.preventDefault();
  let req;
  try {
    req = readRequest();
  } catch (err) {
    showAnswer("not sent", false, "form: " + err.message);
    return;
  }
  const hub = clientFor($("key").value.trim());
  if (following) hub.unsubscribe(following);
  following = "";
  $("following").textContent = "";
  $("replies").replaceChildren();
  $("send").disabled = true;
  try {
    const answer = await hub.send(req);
    showAnswer(answer.msg, true, answer);
    if (req.async && answer.cid) follow(hub, answer);
  } catch (err) {
    showAnswer(err.status ? "HTTP " + err.status : "failed", false, err.body || err.message);
  } finally {
    $("send").disabled = false;
  }
}

$("request").addEventListener("submit", send);
