package io.callhub.client;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/** Frames takes the frames of a connection, watching for silence and deadlines. */
final class Frames {
    private Frames() {}

    /**
     * take returns w's next frame. It throws TimeoutException at deadline
     * (the connection stays), and IOException when the connection ended or
     * carried nothing, no frame and no ping, for deadAfter.
     */
    static Map<String, Object> take(WsConn w, long deadline, Duration deadAfter, String what)
            throws IOException, InterruptedException, TimeoutException {
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException("callhub: nothing for " + what + " before the timeout");
            }
            Duration slice = Duration.ofNanos(Math.min(left, deadAfter.toNanos() / 4 + 1));
            Object f = w.poll(slice);
            if (f instanceof WsConn.Ended) {
                throw new IOException("callhub: follow " + what + ": " + ((WsConn.Ended) f).why);
            }
            if (f != null) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) f;
                return m;
            }
            if (w.silentFor().compareTo(deadAfter) >= 0) {
                throw new IOException("callhub: follow " + what + ": silent for " + deadAfter);
            }
        }
    }
}
