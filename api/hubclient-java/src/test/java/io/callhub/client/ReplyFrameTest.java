package io.callhub.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * ReplyFrameTest pins the client's Reply to the hub's reply frame, as the
 * Go SDK's is pinned: every key of real frames (a reply with a file, the
 * hub's own reply) is a field of Reply, and Reply has no field the hub
 * does not send; and Event likewise to the progress, stalled and resumed
 * frames.
 */
class ReplyFrameTest {
    @Test
    void replyHasExactlyTheFramesFields() throws Exception {
        Client c = Hub.shop();
        Hub.Sent s = Hub.async(c);
        c.replyFile(s.cid(), s.token(), new ReplyInput().isEnd(false).data(Map.of("n", 1)), "a.txt",
                new ByteArrayInputStream(new byte[] {1, 2, 3}));
        c.cancel(s.cid(), "");
        WsConn w = WsConn.dial(c, "?cid=" + s.cid(), s.cid(), Hub.WAIT);
        TreeSet<String> frameKeys = new TreeSet<>();
        try {
            for (int replies = 0; replies < 2; ) {
                Map<String, Object> f = Frames.take(w, System.nanoTime() + Hub.WAIT.toNanos(), Duration.ofSeconds(75), s.cid());
                if ("reply".equals(f.get("type"))) {
                    frameKeys.addAll(f.keySet());
                    replies++;
                }
            }
        } finally {
            w.abort();
        }
        frameKeys.remove("type");
        assertEquals(frameKeys, fieldsOf(Reply.class), "the frame's keys and Reply's fields");
    }

    @Test
    void eventHasExactlyTheEventFramesFields() throws Exception {
        Client c = Hub.shop();
        Answer a = c.send(new Request("svc", "/async").method("POST").async(true).heartbeatMs(1000));
        Responder svc = TestService.get().forwarded(a.cid).incoming.responder(null);
        WsConn w = WsConn.dial(c, "?cid=" + a.cid, a.cid, Hub.WAIT);
        TreeSet<String> frameKeys = new TreeSet<>();
        try {
            take(w, a.cid, "subscribed", frameKeys);
            frameKeys.clear();
            svc.heartbeat(0.5, "half");
            take(w, a.cid, "progress", frameKeys);
            take(w, a.cid, "stalled", frameKeys); // silent for heartbeatMs
            svc.heartbeat(null, null);
            take(w, a.cid, "resumed", frameKeys);
        } finally {
            w.abort();
        }
        assertEquals(fieldsOf(Event.class), frameKeys, "the event frames' keys and Event's fields");
    }

    /** take reads w until a frame of type comes, adding its keys to keys. */
    private static void take(WsConn w, String cid, String type, TreeSet<String> keys) throws Exception {
        while (true) {
            Map<String, Object> f = Frames.take(w, System.nanoTime() + Hub.WAIT.toNanos(), Duration.ofSeconds(75), cid);
            if (type.equals(f.get("type"))) {
                keys.addAll(f.keySet());
                return;
            }
        }
    }

    private static TreeSet<String> fieldsOf(Class<?> c) {
        TreeSet<String> fields = new TreeSet<>();
        for (Field f : c.getFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                fields.add(f.getName());
            }
        }
        return fields;
    }
}
