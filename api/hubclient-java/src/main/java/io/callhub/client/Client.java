package io.callhub.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Client talks to one hub as a caller (with a caller key; none in dev mode)
 * or as a service (reply with a reply token or the service's key). It is
 * safe for concurrent use; the setters are for setup, before first use.
 *
 * <pre>
 * Client c = new Client("http://127.0.0.1:8888", "shop-key");
 * Answer a = c.send(new Request("echo", "/async").method("POST").async(true));
 * try (Subscription sub = c.follow(a.cid, a.wsToken, "")) {
 *     Reply r = sub.next(Duration.ofSeconds(30)); // in offset order, none lost, none repeated
 * }
 * </pre>
 */
public final class Client {
    /**
     * DEFAULT_HTTP is the HttpClient a Client without one sends with: HTTP/1.1
     * (the hub speaks HTTP/1.1 on plain http) with a 10 s connect timeout.
     */
    public static final HttpClient DEFAULT_HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

    /**
     * DEFAULT_DEAD_AFTER is how long a followed connection may carry nothing
     * before a subscription takes the hub for gone: the hub pings a connection
     * after 30 s without traffic, so two missed pings and some slack.
     */
    public static final Duration DEFAULT_DEAD_AFTER = Duration.ofSeconds(75);

    final String baseUrl;
    final String key;
    final HttpClient http;
    private volatile Duration deadAfter = DEFAULT_DEAD_AFTER;
    private volatile Duration timeout;

    /** Client talks to the hub at baseUrl (e.g. "http://127.0.0.1:8888") with a caller key ("" for none). */
    public Client(String baseUrl, String key) {
        this(baseUrl, key, DEFAULT_HTTP);
    }

    /** Client talks to the hub at baseUrl with key, sending with http. */
    public Client(String baseUrl, String key, HttpClient http) {
        if (!baseUrl.startsWith("http://") && !baseUrl.startsWith("https://")) {
            throw new IllegalArgumentException("callhub: base URL must start with http:// or https://: " + baseUrl);
        }
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.key = key == null ? "" : key;
        this.http = http == null ? DEFAULT_HTTP : http;
    }

    /** deadAfter sets how long a followed connection may be silent before it is dropped and resumed. */
    public Client deadAfter(Duration d) {
        deadAfter = d;
        return this;
    }

    Duration deadAfter() {
        return deadAfter;
    }

    /** timeout bounds each HTTP exchange but long-polls (none by default; a sync request waits for its service). */
    public Client timeout(Duration d) {
        timeout = d;
        return this;
    }

    /** send sends a request: an async one answers its cid and wsToken, a sync one the service's answer. */
    public Answer send(Request req) throws IOException, InterruptedException {
        return new Answer(Fields.object(Json.parse(postJson("/v1/requests", key, req.toJson()))));
    }

    /** record returns the stored record of cid. */
    public Record record(String cid) throws IOException, InterruptedException {
        return new Record(Fields.object(Json.parse(get("/v1/requests/" + path(cid), null))));
    }

    /**
     * poll long-polls the record of cid until it has a reply newer than after
     * ("" for any), or wait passes; the record then lists only the newer replies.
     */
    public Record poll(String cid, String after, Duration wait) throws IOException, InterruptedException {
        String q = "?wait=" + wait.toMillis() + "ms&after=" + query(after);
        return new Record(Fields.object(Json.parse(get("/v1/requests/" + path(cid) + q, wait.plusSeconds(30)))));
    }

    /**
     * reply posts a reply for cid with a reply token or a service key. A reply
     * the hub stored before answers with msg "duplicate: stored before", no error.
     */
    public Answer reply(String cid, String token, ReplyInput in) throws IOException, InterruptedException {
        return Responder.post(this, replyUrl(cid), token, in);
    }

    /** replyFile posts a reply for cid carrying a file, streamed from file (read to its end) under name. */
    public Answer replyFile(String cid, String token, ReplyInput in, String name, InputStream file)
            throws IOException, InterruptedException {
        return Responder.postFile(this, replyUrl(cid), token, in, name, file);
    }

    /**
     * cancel ends an async cid (DELETE /v1/requests/{cid}): the hub stores a
     * last reply with code 499 and msg reason ("canceled" when empty), origin
     * "hub", and tells the service if it has a cancelPath. The answer's offset
     * is that reply's. An ended cid is a 409, an unknown or another caller's a 404.
     */
    public Answer cancel(String cid, String reason) throws IOException, InterruptedException {
        String body = reason == null || reason.isEmpty() ? "" : Json.write(java.util.Map.of("reason", reason));
        HttpRequest.Builder b = builder(URI.create(baseUrl + "/v1/requests/" + path(cid)), timeout)
                .header("Content-Type", "application/json")
                .method("DELETE", HttpRequest.BodyPublishers.ofString(body));
        return new Answer(Fields.object(Json.parse(exchange(b, key))));
    }

    /**
     * heartbeat tells the hub, as cid's service (a reply token or the service
     * key), that the work goes on: with heartbeatMs set, it ends or averts a
     * stall, and subscribers get a progress event with progress (0 to 1, or
     * null) and msg (or null).
     */
    public void heartbeat(String cid, String token, Double progress, String msg) throws IOException, InterruptedException {
        Responder.heartbeat(this, replyUrl(cid), token, progress, msg);
    }

    /** follow subscribes to cid's replies after since ("" for all) with a ws token ("" for the key). */
    public Subscription follow(String cid, String token, String since) {
        return new Subscription(this, cid, token, since);
    }

    /** followCaller subscribes to every reply of every cid of caller, live only (needs its key). */
    public CallerSubscription followCaller(String caller) {
        return new CallerSubscription(this, caller);
    }

    /**
     * upload sends a request with a file: the hub checks the file's SHA-256
     * (computed here) before forwarding it to the service as multipart under
     * the request's fileField ("file" by default). Sync or async.
     */
    public Answer upload(Request req, Path file) throws IOException, InterruptedException {
        return Transfers.upload(this, req, file);
    }

    /** download sends a request with download set and streams the service's answer back. */
    public Download download(Request req) throws IOException, InterruptedException {
        return Transfers.download(this, req);
    }

    /**
     * downloadFile saves the file a reply carries to dest with the key (or a
     * ws token) and checks its size and SHA-256; on a mismatch it deletes
     * dest and throws. It returns the hex SHA-256.
     */
    public String downloadFile(FileRef file, String token, Path dest) throws IOException, InterruptedException {
        return Transfers.downloadFile(this, file, token, dest);
    }

    String replyUrl(String cid) {
        return baseUrl + "/v1/replies/" + path(cid);
    }

    String postJson(String p, String bearer, String json) throws IOException, InterruptedException {
        HttpRequest.Builder b = builder(URI.create(baseUrl + p), timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        return exchange(b, bearer);
    }

    private String get(String p, Duration t) throws IOException, InterruptedException {
        return exchange(builder(URI.create(baseUrl + p), t == null ? timeout : t).GET(), key);
    }

    static HttpRequest.Builder builder(URI u, Duration t) {
        HttpRequest.Builder b = HttpRequest.newBuilder(u);
        return t == null ? b : b.timeout(t);
    }

    /** exchange sends with a bearer key and returns a 2xx answer's body, or throws a HubException. */
    String exchange(HttpRequest.Builder b, String bearer) throws IOException, InterruptedException {
        if (bearer != null && !bearer.isEmpty()) {
            b.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<String> resp = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (resp.statusCode() >= 300) {
            HubException e = HubException.of(resp.statusCode(), resp.body());
            resp.headers().firstValue("Retry-After").ifPresent(e::retryAfter);
            throw e;
        }
        return resp.body();
    }

    Duration timeoutOrNull() {
        return timeout;
    }

    static String path(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String query(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
