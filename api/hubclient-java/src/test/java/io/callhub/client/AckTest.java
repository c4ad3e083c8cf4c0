package io.callhub.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** AckTest: acknowledgements, by hand or automatic, and the callbacks they skip. */
class AckTest {
    /** ackedAt is the record's ackedAt of cid's reply seq, "" while unacknowledged. */
    private static String ackedAt(Client c, String cid, int seq) throws Exception {
        Map<String, Object> reply = Hub.obj(Fields.array(c.record(cid).json.get("replies")).get(seq - 1));
        return Fields.string(reply, "ackedAt");
    }

    /** until waits, with a deadline, for cond: the hub takes acks asynchronously. */
    private static void until(String what, Check cond) throws Exception {
        long deadline = System.nanoTime() + Hub.WAIT.toNanos();
        while (!cond.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10); // a condition wait with a deadline
        }
    }

    interface Check {
        boolean holds() throws Exception;
    }

    @Test
    void autoAckAcknowledgesEachReplyNextReturns() throws Exception {
        Client c = Hub.shop();
        Hub.Sent s = Hub.async(c);
        try (Subscription sub = new Client(Hub.URL, "").follow(s.cid(), s.answer.wsToken, "").autoAck(true)) {
            for (int seq = 1; seq <= 2; seq++) {
                c.reply(s.cid(), s.token(), new ReplyInput().seq(seq).isEnd(seq == 2));
                assertEquals(seq, sub.next(Hub.WAIT).seq);
                int n = seq;
                until("reply " + seq + " acknowledged", () -> !ackedAt(c, s.cid(), n).isEmpty());
            }
        }
    }

    @Test
    void ackByHandAlsoAfterTheEnd() throws Exception {
        Client c = Hub.shop();
        Hub.Sent s = Hub.async(c);
        try (Subscription sub = new Client(Hub.URL, "").follow(s.cid(), s.answer.wsToken, "")) {
            c.reply(s.cid(), s.token(), new ReplyInput().seq(1));
            Reply r = sub.next(Hub.WAIT);
            assertEquals("", ackedAt(c, s.cid(), 1), "nothing is acknowledged without ack");
            sub.ack(r.offset, Hub.WAIT); // after the isEnd reply: over a connection of its own
            assertFalse(ackedAt(c, s.cid(), 1).isEmpty(), "acknowledged once ack returned");
            RefusedException past = assertThrows(RefusedException.class, () -> sub.ack("99999999999999-0", Hub.WAIT));
            assertEquals(400, past.status());
        }
    }

    @Test
    void anAcknowledgedReplysCallbackIsSkipped() throws Exception {
        Client c = Hub.shop();
        Hooks hooks = Hooks.get();
        Callback unacked = new Callback("/hook").when("unacked").afterMs(500);
        Answer seen = c.send(new Request("svc", "/async").method("POST").async(true).callback(unacked));
        Answer unseen = c.send(new Request("svc", "/async").method("POST").async(true)
                .callback(new Callback("/hook").when("unacked").afterMs(500)));
        Incoming seenIn = TestService.get().forwarded(seen.cid).incoming;
        Incoming unseenIn = TestService.get().forwarded(unseen.cid).incoming;
        try (Subscription sub = c.follow(seen.cid, "", "").autoAck(true)) {
            seenIn.responder(null).reply(new ReplyInput().data("seen"));
            assertEquals("seen", sub.next(Hub.WAIT).data);
        }
        unseenIn.responder(null).reply(new ReplyInput().data("unseen"));
        CallbackRequest cb = hooks.next(unseen.cid); // nobody acknowledged it: called back after afterMs
        assertTrue(new String(cb.body(), java.nio.charset.StandardCharsets.UTF_8).contains("unseen"));
        until("the acknowledged reply's delivery skipped", () -> {
            java.util.List<Object> ds = Fields.array(c.record(seen.cid).json.get("deliveries"));
            return !ds.isEmpty() && "skipped".equals(Hub.obj(ds.get(0)).get("state"));
        });
    }
}
