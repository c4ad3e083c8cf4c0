package io.callhub.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** WebhookTest: the hub's signed callbacks, POST and GET, verify; tampered ones do not. */
class WebhookTest {
    private static CallbackRequest callback(String method) throws Exception {
        Client c = Hub.shop();
        Hooks hooks = Hooks.get();
        Answer a = c.send(new Request("svc", "/async").method("POST").async(true).callback(new Callback("/hook", method)));
        Incoming in = TestService.get().forwarded(a.cid).incoming;
        in.responder(null).reply(new ReplyInput().code(0).msg("ok").data(Map.of("rows", 3)));
        CallbackRequest r = hooks.next(a.cid);
        assertEquals(method, r.method());
        return r;
    }

    @Test
    void postVerifiesAndCarriesTheReply() throws Exception {
        CallbackRequest r = callback("POST");
        byte[] content = Webhook.verify(r, Hub.webhookSecret());
        Reply reply = Reply.parse(new String(content, StandardCharsets.UTF_8));
        assertEquals(1, reply.seq);
        assertTrue(reply.isEnd);
        assertEquals(Map.of("rows", 3L), reply.data);
        assertEquals(reply.cid + ".1", r.header("webhook-id"));

        byte[] tampered = new String(content, StandardCharsets.UTF_8).replace("3", "4").getBytes(StandardCharsets.UTF_8);
        CallbackRequest forged = CallbackRequest.of("POST", null, r::header, tampered);
        assertThrows(Webhook.SignatureException.class, () -> Webhook.verify(forged, Hub.webhookSecret()));
        assertThrows(Webhook.SignatureException.class, () -> Webhook.verify(r, "whsec_" + "QUFBQUFBQUFBQUFBQUFBQQ=="));
    }

    @Test
    void getVerifiesTheRawQuery() throws Exception {
        CallbackRequest r = callback("GET");
        String query = new String(Webhook.verify(r, Hub.webhookSecret()), StandardCharsets.UTF_8);
        assertTrue(query.contains("rows=3") && query.contains("seq=1"), "query " + query);
        CallbackRequest forged = CallbackRequest.of("GET", query.replace("rows=3", "rows=4"), r::header, null);
        assertThrows(Webhook.SignatureException.class, () -> Webhook.verify(forged, Hub.webhookSecret()));
    }

    @Test
    void staleOrMissingHeadersFail() throws Exception {
        CallbackRequest r = callback("POST");
        byte[] body = r.body();
        Instant later = Instant.now().plus(Duration.ofMinutes(10));
        assertThrows(Webhook.SignatureException.class,
                () -> Webhook.verifySignature(Hub.webhookSecret(), r::header, body, later, Webhook.TOLERANCE));
        assertThrows(Webhook.SignatureException.class,
                () -> Webhook.verifySignature(Hub.webhookSecret(), name -> null, body, Instant.now(), Webhook.TOLERANCE));
        assertThrows(IllegalArgumentException.class,
                () -> Webhook.verifySignature("not-a-secret", r::header, body, Instant.now(), Webhook.TOLERANCE));
    }
}
