package io.callhub.client;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/** Acks sends an acknowledgement when its subscription has no connection. */
final class Acks {
    private Acks() {}

    /**
     * alone sends ack over a connection of its own, subscribed at the ack's
     * offset, then a ping: the pong means the hub took the ack, an error
     * frame is its refusal.
     */
    static void alone(Client c, Subscription s, Map<String, Object> ack, Duration timeout)
            throws IOException, InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        WsConn w = WsConn.dial(c, s.query((String) ack.get("offset")), s.cid(), timeout);
        try {
            w.send(ack);
            w.send(Map.of("op", "ping"));
            while (true) {
                Map<String, Object> f = Frames.take(w, deadline, c.deadAfter(), s.cid());
                String type = Fields.string(f, "type");
                if (type.equals("pong")) {
                    w.close();
                    return;
                }
                if (type.equals("error")) {
                    int code = (int) Fields.integer(f, "code");
                    throw new RefusedException(s.cid(), code, Fields.string(f, "msg"));
                }
            }
        } finally {
            w.abort();
        }
    }
}
