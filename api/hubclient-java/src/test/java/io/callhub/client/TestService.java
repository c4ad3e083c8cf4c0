package io.callhub.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * TestService is the service "svc" the hub forwards to, on the port the Go
 * test gave it. It keeps every forwarded request by cid and answers by path:
 * /echo what it saw, /async 202, /slow after 5 s, /upload the file part's
 * hash, /file a file, /missing 404.
 */
final class TestService {
    /** FILE is what /file answers. */
    static final byte[] FILE = pattern(300_000);

    private static TestService instance;

    private final Map<String, BlockingQueue<Forwarded>> byCid = new ConcurrentHashMap<>();

    /** Forwarded is one request the hub forwarded. */
    static final class Forwarded {
        final String method;
        final String path;
        final String query;
        final String contentType;
        final byte[] body;
        final Map<String, String> headers;
        final Incoming incoming;

        Forwarded(HttpExchange ex, byte[] body) throws Incoming.NotForwardedException {
            method = ex.getRequestMethod();
            path = ex.getRequestURI().getRawPath();
            query = ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery();
            contentType = orEmpty(ex.getRequestHeaders().getFirst("Content-Type"));
            this.body = body;
            headers = new LinkedHashMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v.get(0)));
            incoming = Incoming.from(ex.getRequestHeaders()::getFirst);
        }
    }

    static synchronized TestService get() throws IOException {
        if (instance == null) {
            instance = new TestService();
        }
        return instance;
    }

    private TestService() throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", Hub.port("CALLHUB_SERVICE_PORT")), 64);
        s.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "test-service");
            t.setDaemon(true);
            return t;
        }));
        s.createContext("/", this::handle);
        s.start();
    }

    /** forwarded waits for the next request forwarded for cid. */
    Forwarded forwarded(String cid) throws InterruptedException {
        Forwarded f = queue(cid).poll(Hub.WAIT.toSeconds(), TimeUnit.SECONDS);
        if (f == null) {
            throw new AssertionError("the service got nothing for " + cid);
        }
        return f;
    }

    /** pending counts the forwards of cid not taken yet. */
    int pending(String cid) {
        return queue(cid).size();
    }

    private BlockingQueue<Forwarded> queue(String cid) {
        return byCid.computeIfAbsent(cid, k -> new LinkedBlockingQueue<>());
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            byte[] body = ex.getRequestBody().readAllBytes();
            Forwarded f;
            try {
                f = new Forwarded(ex, body);
            } catch (Incoming.NotForwardedException e) {
                send(ex, 400, "text/plain", e.getMessage().getBytes(StandardCharsets.UTF_8));
                return;
            }
            queue(f.incoming.cid).add(f);
            answer(ex, f);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ex.close();
        }
    }

    private void answer(HttpExchange ex, Forwarded f) throws IOException, InterruptedException {
        switch (f.path) {
            case "/async":
                send(ex, 202, "application/json", "{\"accepted\":true}".getBytes(StandardCharsets.UTF_8));
                return;
            case "/slow":
                Thread.sleep(5000); // longer than the request's timeoutMs: the hub answers 504 first
                send(ex, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
                return;
            case "/upload":
                send(ex, 200, "application/json", Json.write(MultipartParts.file(f)).getBytes(StandardCharsets.UTF_8));
                return;
            case "/file":
                ex.getResponseHeaders().set("Content-Disposition", "attachment; filename=\"report.bin\"");
                send(ex, 200, "application/octet-stream", FILE);
                return;
            case "/missing":
                send(ex, 404, "text/plain", "no such thing".getBytes(StandardCharsets.UTF_8));
                return;
            default:
                send(ex, 200, "application/json", Json.write(echo(f)).getBytes(StandardCharsets.UTF_8));
        }
    }

    private static Map<String, Object> echo(Forwarded f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", f.method);
        m.put("path", f.path);
        m.put("query", f.query);
        m.put("contentType", f.contentType);
        m.put("body", new String(f.body, StandardCharsets.UTF_8));
        m.put("headers", f.headers);
        return m;
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + i / 251);
        }
        return b;
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
