// Compiled (never run) by `tsc --noEmit` to check callhub.d.ts against
// the way apps use the client.
import CallHubDefault, { CallHub, newer, type Reply, type HubError, type State } from "../static/callhub.js";

async function main(): Promise<void> {
  const hub = new CallHub("http://127.0.0.1:8888", { key: "shop-key", transport: "auto", onState: (s: State) => void s });
  try {
    const ans = await hub.send({ serviceId: "echo", path: "/async?replies=3", async: true,
      callback: { url: "/cb", method: "GET", when: "unacked", afterMs: 5000 } });
    hub.subscribe(ans.cid, {
      token: ans.wsToken,
      since: "",
      onReply: (r: Reply) => {
        console.log(r.seq, r.isEnd, r.data, r.file?.url, r.offset);
        const sent: boolean = hub.ack(r.cid, r.offset);
        void sent;
      },
      onError: (e) => console.log(e.code, e.msg),
      autoAck: false,
    });
    hub.unsubscribe(ans.cid);
  } catch (e) {
    const he = e as HubError;
    console.log(he.status, he.body.msg);
  }
  const sse = new CallHubDefault(new URL("http://127.0.0.1:8888"), { transport: "sse", WebSocket: null, fetch });
  console.log(sse.transport === "sse", newer("2-0", "1-0"));
  sse.close();
  hub.close();
}
void main;
