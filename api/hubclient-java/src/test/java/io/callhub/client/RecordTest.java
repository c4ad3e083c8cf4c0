package io.callhub.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** RecordTest: the record, and long-polls that return at the first newer reply. */
class RecordTest {
    @Test
    void pollWaitsForTheNextReply() throws Exception {
        Client c = Hub.shop();
        Hub.Sent s = Hub.async(c);
        CompletableFuture<Record> first = CompletableFuture.supplyAsync(() -> poll(c, s.cid(), ""));
        c.reply(s.cid(), s.token(), new ReplyInput().seq(1).isEnd(false).data("one"));
        Record r1 = first.get();
        assertEquals(1, r1.replies.size());
        assertEquals("one", r1.replies.get(0).data);

        c.reply(s.cid(), s.token(), new ReplyInput().seq(2).data("two"));
        Record r2 = c.poll(s.cid(), r1.replies.get(0).offset, Hub.WAIT);
        assertEquals(1, r2.replies.size(), "only the replies after the offset");
        assertEquals(2, r2.replies.get(0).seq);

        Record none = c.poll(s.cid(), r2.replies.get(0).offset, Duration.ofMillis(200));
        assertTrue(none.replies.isEmpty());

        Record all = c.record(s.cid());
        assertEquals(s.cid(), all.cid);
        assertEquals("svc", all.serviceId);
        assertEquals("shop", all.caller);
        assertEquals("completed", all.state);
        assertEquals(2, all.replies.size());
        assertTrue(all.json.containsKey("steps"));
    }

    private static Record poll(Client c, String cid, String after) {
        try {
            return c.poll(cid, after, Hub.WAIT);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
