package io.callhub.client;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * Hub is the real hub the tests run against, as the Go test that starts it
 * (api/hubclient-java/java_test.go) describes it in the environment: its
 * URL, the control server that restarts it, and the ports of the service and
 * callback receiver the tests run. Without CALLHUB_URL the tests that need a
 * hub are skipped.
 */
final class Hub {
    static final String URL = System.getenv("CALLHUB_URL");
    static final Duration WAIT = Duration.ofSeconds(30);
    static final String SHOP_KEY = "shop-key";
    static final String SVC_KEY = "svc-key";

    private Hub() {}

    /** assume skips the calling test unless a hub is running. */
    static void assume() {
        assumeTrue(URL != null, "CALLHUB_URL is not set: run `go test ./api/hubclient-java` to test against a hub");
    }

    static Client shop() {
        assume();
        try {
            TestService.get(); // listening before anything is forwarded to it
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new Client(URL, SHOP_KEY);
    }

    static int port(String name) {
        return Integer.parseInt(System.getenv(name));
    }

    static String webhookSecret() {
        return System.getenv("CALLHUB_WEBHOOK_SECRET");
    }

    /** restart stops the hub with SIGTERM and starts it again on the same address and Redis. */
    static void restart() throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(System.getenv("CALLHUB_CONTROL") + "/restart"))
                .POST(HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<String> resp = Client.DEFAULT_HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() != 204) {
            throw new IOException("restart: " + resp.statusCode() + " " + resp.body());
        }
    }

    /** async sends an async request to the test service and returns the answer and what the service got. */
    static Sent async(Client c) throws IOException, InterruptedException {
        Answer a = c.send(new Request("svc", "/async").method("POST").async(true));
        return new Sent(a, TestService.get().forwarded(a.cid));
    }

    /** Sent is an async request's answer and the forward the service got. */
    static final class Sent {
        final Answer answer;
        final TestService.Forwarded forwarded;

        Sent(Answer answer, TestService.Forwarded forwarded) {
            this.answer = answer;
            this.forwarded = forwarded;
        }

        String cid() {
            return answer.cid;
        }

        String token() {
            return forwarded.incoming.replyToken;
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> obj(Object v) {
        return (Map<String, Object>) v;
    }
}
