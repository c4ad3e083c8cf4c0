package io.callhub.client;

import java.io.IOException;
import java.net.URI;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * WsConn is one WebSocket to GET /v1/ws: its listener queues each frame the
 * hub sends, parsed, and an end marker when the connection ends. The hub's
 * pings are answered by the JDK and count as traffic for the watchdog.
 */
final class WsConn implements WebSocket.Listener {
    /** Ended is the end of a connection, queued after its last frame. */
    static final class Ended {
        final String why;

        Ended(String why) {
            this.why = why;
        }
    }

    private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    private volatile long lastSeen = System.nanoTime();
    private volatile WebSocket ws;

    /** dial connects to the hub's /v1/ws with query; a 4xx other than 408 and 429 is a RefusedException. */
    static WsConn dial(Client c, String query, String cid, Duration wait)
            throws IOException, InterruptedException, TimeoutException {
        WsConn conn = new WsConn();
        URI u = URI.create("ws" + c.baseUrl.substring(4) + "/v1/ws" + query);
        WebSocket.Builder b = c.http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (!c.key.isEmpty()) {
            b.header("Authorization", "Bearer " + c.key);
        }
        CompletableFuture<WebSocket> fut = b.buildAsync(u, conn);
        try {
            conn.ws = fut.get(Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS);
            return conn;
        } catch (ExecutionException e) {
            throw failure(e.getCause(), cid);
        } catch (TimeoutException | InterruptedException e) {
            fut.thenAccept(WebSocket::abort); // a connection that opens late is not kept
            throw e;
        }
    }

    private static IOException failure(Throwable cause, String cid) {
        if (cause instanceof WebSocketHandshakeException) {
            int status = ((WebSocketHandshakeException) cause).getResponse().statusCode();
            Object body = ((WebSocketHandshakeException) cause).getResponse().body();
            String msg = body instanceof byte[] ? new String((byte[]) body, StandardCharsets.UTF_8) : "";
            msg = Fields.string(HubException.envelope(msg), "msg");
            if (RefusedException.refusal(status)) {
                return new RefusedException(cid, status, msg.isEmpty() ? "upgrade answered " + status : msg);
            }
            return new IOException("callhub: follow " + cid + ": upgrade answered " + status);
        }
        return cause instanceof IOException ? (IOException) cause : new IOException(cause);
    }

    /**
     * poll returns the next frame (a Map) or Ended, or null after wait. Taking
     * a frame asks for the next one: a reader that does not keep up stops
     * reading the socket, and the hub closes it with 1013 rather than this
     * inbox growing without bound.
     */
    Object poll(Duration wait) throws InterruptedException {
        Object f = inbox.poll(Math.max(0, wait.toMillis()), TimeUnit.MILLISECONDS);
        WebSocket w = ws;
        if (f instanceof Map && w != null) {
            w.request(1);
        }
        return f;
    }

    /** silentFor is how long the connection has carried nothing. */
    Duration silentFor() {
        return Duration.ofNanos(System.nanoTime() - lastSeen);
    }

    /** send sends a JSON text frame; one at a time, as the JDK's WebSocket requires. */
    synchronized void send(Map<String, Object> frame) throws IOException, InterruptedException {
        try {
            ws.sendText(Json.write(frame), true).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("callhub: send frame: " + e, e);
        }
    }

    /** close ends the connection with 1000, or aborts it when the hub is gone. */
    void close() {
        WebSocket w = ws;
        if (w != null) {
            w.sendClose(WebSocket.NORMAL_CLOSURE, "").whenComplete((r, e) -> w.abort());
        }
    }

    /** abort drops the connection at once. */
    void abort() {
        WebSocket w = ws;
        if (w != null) {
            w.abort();
        }
        inbox.add(new Ended("dropped"));
    }

    @Override
    public void onOpen(WebSocket w) {
        ws = w;
        w.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
        lastSeen = System.nanoTime();
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            try {
                inbox.add(Fields.object(Json.parse(text)));
                return null; // the next is asked for when poll takes this one
            } catch (IllegalArgumentException e) {
                inbox.add(new Ended("malformed frame: " + e.getMessage()));
                w.abort();
            }
        }
        w.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onPing(WebSocket w, java.nio.ByteBuffer message) {
        lastSeen = System.nanoTime();
        w.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket w, java.nio.ByteBuffer message) {
        lastSeen = System.nanoTime();
        w.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket w, java.nio.ByteBuffer data, boolean last) {
        w.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket w, int status, String reason) {
        inbox.add(new Ended("closed " + status + " " + reason));
        return null;
    }

    @Override
    public void onError(WebSocket w, Throwable error) {
        inbox.add(new Ended("error: " + error));
    }
}
