package io.callhub.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** ErrorsTest: every refusal is a HubException with the status, code, msg and the field named. */
class ErrorsTest {
    private static HubException refused(int status, Call call) {
        HubException e = assertThrows(HubException.class, call::run);
        assertEquals(status, e.status(), e.getMessage());
        assertEquals(status, e.code(), e.getMessage());
        assertTrue(!e.msg().isEmpty());
        return e;
    }

    interface Call {
        void run() throws Exception;
    }

    @Test
    void badInputNamesEveryField() {
        Client c = Hub.shop();
        HubException e = refused(400, () -> c.send(new Request("svc", "no-slash").seq(0).method("BREW")));
        assertTrue(e.fields().containsAll(List.of("path", "seq", "method")), "fields " + e.fields() + " of " + e.msg());
        assertEquals(400, refused(400, () -> c.send(new Request("", "/x"))).status());
        assertEquals("serviceId", refused(400, () -> c.send(new Request("", "/x"))).field());
    }

    @Test
    void unknownKeyServiceAndCid() {
        refused(401, () -> new Client(Hub.URL, "wrong-key").send(new Request("svc", "/echo")));
        assertTrue(refused(404, () -> Hub.shop().send(new Request("nope", "/echo"))).msg().contains("nope"));
        refused(404, () -> Hub.shop().record("0193aaaa-0000-7000-8000-000000000000"));
    }

    @Test
    void aBaseUrlWithoutSchemeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Client("127.0.0.1:8888", ""));
    }

    @Test
    void anotherCallersCidIsNotFound() throws Exception {
        Hub.Sent s = Hub.async(Hub.shop());
        refused(404, () -> new Client(Hub.URL, "other-key").record(s.cid()));
    }

    @Test
    void conflictAfterIsEnd() throws Exception {
        Client c = Hub.shop();
        Hub.Sent s = Hub.async(c);
        c.reply(s.cid(), s.token(), new ReplyInput().data("last"));
        HubException e = refused(409, () -> c.reply(s.cid(), s.token(), new ReplyInput().seq(2)));
        assertEquals("", e.field());
    }

    @Test
    void tooLarge() {
        String big = "x".repeat(1 << 21);
        refused(413, () -> Hub.shop().send(new Request("svc", "/echo").method("POST").body(big)));
    }

    @Test
    void anOpenBreakerAnswers503WithRetryAfter() {
        refused(502, () -> Hub.shop().send(new Request("fragile", "/x"))); // one failure opens it
        HubException e = refused(503, () -> Hub.shop().send(new Request("fragile", "/x")));
        assertTrue(e.retryAfter() != null && e.retryAfter().getSeconds() > 0, "Retry-After " + e.retryAfter());
        assertTrue(e.msg().contains("fragile"), e.msg());
    }

    @Test
    void serviceDownAndTimeout() {
        refused(502, () -> Hub.shop().send(new Request("down", "/x")));
        refused(504, () -> Hub.shop().send(new Request("svc", "/slow").timeoutMs(300)));
    }
}
