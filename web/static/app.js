// The playground: send a request, show the answer, follow its replies.
import { CallHub } from "./callhub.js";

const $ = (id) => document.getElementById(id);
let hub = null;

function row(r) {
  const tr = document.createElement("tr");
  tr.dataset.seq = r.seq;
  if (r.isEnd) tr.className = "end";
  for (const v of [r.seq, r.isEnd ? "yes" : "", JSON.stringify(r.data ?? null), r.offset]) {
    const td = document.createElement("td");
    td.textContent = v;
    tr.appendChild(td);
  }
  return tr;
}

async function send(ev) {
  ev.preventDefault();
  let form;
  try {
    form = $("form").value.trim() ? JSON.parse($("form").value) : undefined;
  } catch (err) {
    $("answer").textContent = "form: not JSON: " + err.message;
    return;
  }
  if (hub) hub.close();
  hub = new CallHub(location.origin, { key: $("key").value.trim() });
  window.callhubClient = hub; // for tests and the curious
  $("replies").replaceChildren();
  const req = { serviceId: $("serviceId").value, method: $("method").value, path: $("path").value,
    async: $("async").checked };
  if (form && Object.keys(form).length) req.form = form;
  try {
    const ans = await hub.send(req);
    $("answer").textContent = JSON.stringify(ans, null, 2);
    if (req.async) {
      hub.subscribe(ans.cid, {
        token: ans.wsToken,
        onReply: (r) => $("replies").appendChild(row(r)),
        onState: (s) => { $("state").textContent = s; $("state").dataset.state = s; },
      });
    }
  } catch (err) {
    $("answer").textContent = (err.status || "") + " " + err.message;
  }
}

$("request").addEventListener("submit", send);
