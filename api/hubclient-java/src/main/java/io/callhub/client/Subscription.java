package io.callhub.client;

import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Subscription follows one cid over a WebSocket. After any disconnect (a
 * dropped connection, a hub restart, a silent hub) it reconnects with
 * backoff and jitter and resubscribes from the last offset it returned, so
 * next yields every reply once, in order. next is for one thread at a time;
 * close may be called from any thread, and the caller must call it when done.
 */
public final class Subscription implements AutoCloseable {
    private final Client c;
    private final String cid;
    private final String token;

    private final Object mu = new Object();
    private String since;
    private WsConn conn;
    private boolean closed;
    private boolean ended;
    private volatile Consumer<Event> onEvent = e -> { };
    private volatile boolean autoAck;
    private final AtomicInteger dials = new AtomicInteger(); // connections opened, for tests

    Subscription(Client c, String cid, String token, String since) {
        this.c = c;
        this.cid = cid;
        this.token = token == null ? "" : token;
        this.since = since == null ? "" : since;
    }

    /**
     * onEvent sets what next calls, on its own thread, for each lifecycle
     * event of the cid (progress, stalled, resumed) it reads before the
     * next reply. By default events are dropped.
     */
    public Subscription onEvent(Consumer<Event> handler) {
        onEvent = handler;
        return this;
    }

    /**
     * autoAck makes next acknowledge each reply as it returns it (off by
     * default: a reply returned is not yet a reply handled; see ack).
     */
    public Subscription autoAck(boolean on) {
        autoAck = on;
        return this;
    }

    /**
     * ack acknowledges every reply of the cid up to offset (the offset of a
     * reply next returned): the record shows them acknowledged, and a request
     * whose callback has when "unacked" skips their callbacks. Over the
     * current connection it returns once the frame is written; with none
     * (after the isEnd reply, between reconnects) it opens one of its own and
     * returns once the hub took the ack, or throws its refusal
     * (RefusedException, such as an offset past the cid's last reply).
     */
    public void ack(String offset, Duration timeout) throws IOException, InterruptedException, TimeoutException {
        WsConn w;
        synchronized (mu) {
            w = conn;
        }
        if (w != null) {
            try {
                w.send(ackFrame(offset));
                return;
            } catch (IOException e) {
                // the connection is going: ack over a connection of its own
            }
        }
        Acks.alone(c, this, ackFrame(offset), timeout);
    }

    Map<String, Object> ackFrame(String offset) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("op", "ack");
        f.put("cid", cid);
        f.put("offset", offset);
        if (!token.isEmpty()) {
            f.put("token", token);
        }
        return f;
    }

    /** query is the /v1/ws query that subscribes to the cid after from. */
    String query(String from) {
        return "?cid=" + Client.query(cid) + (from.isEmpty() ? "" : "&since=" + Client.query(from))
                + (token.isEmpty() ? "" : "&token=" + Client.query(token));
    }

    String cid() {
        return cid;
    }

    /**
     * autoAck acknowledges r on w. An ack that cannot be written drops the
     * connection, never the reply: the callback is then sent, a callback too
     * many rather than a reply lost.
     */
    private void autoAck(WsConn w, Reply r) throws InterruptedException {
        try {
            w.send(ackFrame(r.offset));
        } catch (IOException e) {
            dropCurrent();
        }
    }

    /** offset is the offset of the last reply next returned ("" before any). */
    public String offset() {
        synchronized (mu) {
            return since;
        }
    }

    /**
     * next returns the next reply, reconnecting after a disconnect until
     * timeout passes (then TimeoutException; the subscription stays usable).
     * After it returned the reply with isEnd it throws EOFException. It throws
     * a RefusedException when the hub refuses the subscription, and
     * SubscriptionClosedException after close.
     */
    public Reply next(Duration timeout) throws IOException, InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Backoff backoff = new Backoff();
        while (true) {
            try {
                return nextOnce(deadline);
            } catch (EOFException | SubscriptionClosedException e) {
                throw e;
            } catch (RefusedException e) {
                dropCurrent(); // an error frame came over it: it serves nothing more
                throw e;
            } catch (IOException e) {
                dropCurrent();
                if (isClosed()) {
                    throw new SubscriptionClosedException();
                }
            }
            Duration wait = backoff.next();
            if (System.nanoTime() + wait.toNanos() > deadline) {
                throw new TimeoutException("callhub: no reply of " + cid + " within " + timeout);
            }
            Thread.sleep(wait.toMillis());
        }
    }

    private Reply nextOnce(long deadline) throws IOException, InterruptedException, TimeoutException {
        WsConn w = connection(deadline);
        while (true) {
            Map<String, Object> f = Frames.take(w, deadline, c.deadAfter(), cid);
            String type = Fields.string(f, "type");
            String fcid = Fields.string(f, "cid");
            if (type.equals("error")) {
                int code = (int) Fields.integer(f, "code");
                if (RefusedException.refusal(code) && (fcid.isEmpty() || fcid.equals(cid))) {
                    throw new RefusedException(cid, code, Fields.string(f, "msg"));
                }
                throw new IOException("callhub: follow " + cid + ": hub error " + code + " " + Fields.string(f, "msg"));
            }
            if (Event.is(type) && fcid.equals(cid)) {
                onEvent.accept(new Event(f));
                continue;
            }
            if (type.equals("reply") && fcid.equals(cid) && advance(Fields.string(f, "offset"))) {
                Reply r = new Reply(f);
                if (autoAck) {
                    autoAck(w, r);
                }
                if (r.isEnd) {
                    end(w);
                }
                return r;
            }
        }
    }

    /** connection returns the current connection, dialling one subscribed from the last offset when there is none. */
    private WsConn connection(long deadline) throws IOException, InterruptedException, TimeoutException {
        String from;
        synchronized (mu) {
            if (closed) {
                throw new SubscriptionClosedException();
            }
            if (ended) {
                throw new EOFException("callhub: " + cid + " ended");
            }
            if (conn != null) {
                return conn;
            }
            from = since;
        }
        dials.incrementAndGet();
        WsConn w = WsConn.dial(c, query(from), cid, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        synchronized (mu) {
            if (closed) { // close ran while dialling
                w.abort();
                throw new SubscriptionClosedException();
            }
            conn = w;
        }
        return w;
    }

    int dials() {
        return dials.get();
    }

    private boolean advance(String offset) {
        synchronized (mu) {
            if (!since.isEmpty() && !Offsets.less(since, offset)) {
                return false;
            }
            since = offset;
            return true;
        }
    }

    private void end(WsConn w) {
        synchronized (mu) {
            ended = true;
            conn = null;
        }
        w.close();
    }

    private void dropCurrent() {
        WsConn w;
        synchronized (mu) {
            w = conn;
            conn = null;
        }
        if (w != null) {
            w.abort();
        }
    }

    /** drop closes the current connection without ending the subscription: next reconnects and resumes. */
    public void drop() {
        WsConn w;
        synchronized (mu) {
            w = conn;
        }
        if (w != null) {
            w.abort();
        }
    }

    private boolean isClosed() {
        synchronized (mu) {
            return closed;
        }
    }

    /** close ends the subscription; a next in progress throws SubscriptionClosedException. */
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
