package io.callhub.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Hooks is the caller's callback receiver (the caller shop's callbackBase),
 * a servlet-style server: it keeps each callback as a CallbackRequest, by
 * the cid of its Callhub-Cid header, and answers 204.
 */
final class Hooks {
    private static Hooks instance;

    private final ConcurrentHashMap<String, BlockingQueue<CallbackRequest>> byCid = new ConcurrentHashMap<>();

    static synchronized Hooks get() throws IOException {
        if (instance == null) {
            instance = new Hooks();
        }
        return instance;
    }

    private Hooks() throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", Hub.port("CALLHUB_HOOKS_PORT")), 64);
        s.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "test-hooks");
            t.setDaemon(true);
            return t;
        }));
        s.createContext("/", this::handle);
        s.start();
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            byte[] body = ex.getRequestBody().readAllBytes();
            CallbackRequest r = CallbackRequest.of(ex.getRequestMethod(), ex.getRequestURI().getRawQuery(),
                    ex.getRequestHeaders()::getFirst, body);
            String cid = ex.getRequestHeaders().getFirst("Callhub-Cid");
            byCid.computeIfAbsent(cid == null ? "" : cid, k -> new LinkedBlockingQueue<>()).add(r);
            ex.sendResponseHeaders(204, -1);
        } finally {
            ex.close();
        }
    }

    /** next waits for the next callback of cid. */
    CallbackRequest next(String cid) throws InterruptedException {
        CallbackRequest r = byCid.computeIfAbsent(cid, k -> new LinkedBlockingQueue<>())
                .poll(Hub.WAIT.toSeconds(), TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no callback for " + cid);
        }
        return r;
    }
}
