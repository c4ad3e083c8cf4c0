package io.callhub.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;

/**
 * Responder posts the replies of one forwarded request, to its reply URL with
 * its reply token. It may outlive the request: keep it to reply later. It is
 * safe for concurrent use.
 */
public final class Responder {
    private final Client via;
    private final String url;
    private final String token;

    /** Responder posts to url (Callhub-Reply-Url) with token (Callhub-Reply-Token). */
    public Responder(String url, String token, HttpClient http) {
        this.via = new Client(url, "", http == null ? Client.DEFAULT_HTTP : http);
        this.url = url;
        this.token = token;
    }

    /** reply posts a reply; see Client.reply. */
    public Answer reply(ReplyInput in) throws IOException, InterruptedException {
        return post(via, url, token, in);
    }

    /** replyFile posts a reply that carries a file; see Client.replyFile. */
    public Answer replyFile(ReplyInput in, String name, InputStream file) throws IOException, InterruptedException {
        return postFile(via, url, token, in, name, file);
    }

    /** heartbeat sends a sign of life with optional progress; see Client.heartbeat. */
    public void heartbeat(Double progress, String msg) throws IOException, InterruptedException {
        heartbeat(via, url, token, progress, msg);
    }

    static void heartbeat(Client c, String url, String token, Double progress, String msg)
            throws IOException, InterruptedException {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        Callback.putIf(m, "progress", progress);
        Callback.putIf(m, "msg", msg);
        HttpRequest.Builder b = Client.builder(URI.create(url + "/heartbeat"), c.timeoutOrNull())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(m)));
        c.exchange(b, token);
    }

    static Answer post(Client c, String url, String token, ReplyInput in) throws IOException, InterruptedException {
        HttpRequest.Builder b = Client.builder(URI.create(url), c.timeoutOrNull())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(in.toJson()));
        return new Answer(Fields.object(Json.parse(c.exchange(b, token))));
    }

    static Answer postFile(Client c, String url, String token, ReplyInput in, String name, InputStream file)
            throws IOException, InterruptedException {
        Multipart mp = new Multipart();
        HttpRequest.Builder b = Client.builder(URI.create(url), c.timeoutOrNull())
                .header("Content-Type", mp.contentType())
                .POST(mp.body("reply", in.toJson(), name, file));
        return new Answer(Fields.object(Json.parse(c.exchange(b, token))));
    }
}
