package io.callhub.client;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * CallerSubscription follows every reply of every cid of one caller, live
 * (it needs that caller's key or the admin key). The hub keeps no offsets for
 * it: after a disconnect it reconnects with backoff and subscribes again, and
 * replies stored meanwhile are not sent; follow a cid, or poll its record, to
 * have every reply. A reply a service posted twice may come twice. next is
 * for one thread at a time; close may be called from any thread.
 */
public final class CallerSubscription implements AutoCloseable {
    private final Client c;
    private final String caller;

    private final Object mu = new Object();
    private WsConn conn;
    private boolean closed;
    private volatile Consumer<Event> onEvent = e -> { };

    CallerSubscription(Client c, String caller) {
        this.c = c;
        this.caller = caller;
    }

    /** onEvent sets what next calls, on its own thread, for each lifecycle event of the caller's cids. */
    public CallerSubscription onEvent(Consumer<Event> handler) {
        onEvent = handler;
        return this;
    }

    /**
     * open connects and returns once the hub confirmed the subscription: every
     * reply stored from then on comes to next. next opens by itself when needed.
     */
    public void open(Duration timeout) throws IOException, InterruptedException, TimeoutException {
        connection(System.nanoTime() + timeout.toNanos());
    }

    /**
     * next returns the next reply of any of the caller's cids, reconnecting
     * after a disconnect until timeout passes (then TimeoutException). It
     * throws a RefusedException when the hub refuses the subscription, and
     * SubscriptionClosedException after close.
     */
    public Reply next(Duration timeout) throws IOException, InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Backoff backoff = new Backoff();
        while (true) {
            try {
                WsConn w = connection(deadline);
                while (true) {
                    Map<String, Object> f = take(w, deadline);
                    String type = Fields.string(f, "type");
                    if (type.equals("reply")) {
                        return new Reply(f);
                    }
                    if (Event.is(type)) {
                        onEvent.accept(new Event(f));
                    }
                }
            } catch (SubscriptionClosedException e) {
                throw e;
            } catch (RefusedException e) {
                forget();
                throw e;
            } catch (IOException e) {
                forget();
            }
            Duration wait = backoff.next();
            if (System.nanoTime() + wait.toNanos() > deadline) {
                throw new TimeoutException("callhub: no reply of caller " + caller + " within " + timeout);
            }
            Thread.sleep(wait.toMillis());
        }
    }

    private WsConn connection(long deadline) throws IOException, InterruptedException, TimeoutException {
        synchronized (mu) {
            if (closed) {
                throw new SubscriptionClosedException();
            }
            if (conn != null) {
                return conn;
            }
        }
        WsConn w = WsConn.dial(c, "", "caller " + caller, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        try {
            Map<String, Object> sub = new LinkedHashMap<>();
            sub.put("op", "subscribe");
            sub.put("caller", caller);
            w.send(sub);
            while (!Fields.string(take(w, deadline), "type").equals("subscribed")) {
                // only the confirmation comes before it: no reply is skipped
            }
        } catch (IOException | TimeoutException | InterruptedException e) {
            w.abort();
            throw e;
        }
        synchronized (mu) {
            if (closed) {
                w.abort();
                throw new SubscriptionClosedException();
            }
            conn = w;
        }
        return w;
    }

    private Map<String, Object> take(WsConn w, long deadline) throws IOException, InterruptedException, TimeoutException {
        Map<String, Object> f = Frames.take(w, deadline, c.deadAfter(), "caller " + caller);
        if (Fields.string(f, "type").equals("error")) {
            int code = (int) Fields.integer(f, "code");
            if (RefusedException.refusal(code)) {
                throw new RefusedException("caller " + caller, code, Fields.string(f, "msg"));
            }
            throw new IOException("callhub: follow caller " + caller + ": hub error " + code);
        }
        return f;
    }

    private void forget() {
        WsConn w;
        synchronized (mu) {
            w = conn;
            conn = null;
        }
        if (w != null) {
            w.abort();
        }
    }

    /** drop closes the current connection without ending the subscription: open or next reconnects. */
    public void drop() {
        forget();
    }

    /** close ends the subscription. */
    @Override
    public void close() {
        WsConn w;
        synchronized (mu) {
            closed = true;
            w = conn;
            conn = null;
        }
        if (w != null) {
            w.close();
            w.abort();
        }
    }
}
