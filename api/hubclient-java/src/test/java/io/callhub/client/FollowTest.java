package io.callhub.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** FollowTest: a subscription yields every reply once, in order, across drops and a hub restart. */
class FollowTest {
    private static final int N = 6;

    private static void reply(Client c, Hub.Sent s, int seq) throws Exception {
        c.reply(s.cid(), s.token(), new ReplyInput().seq(seq).isEnd(seq == N).data(java.util.Map.of("n", seq)));
    }

    private static void next(Subscription sub, int want) throws Exception {
        Reply r = sub.next(Hub.WAIT);
        assertEquals(want, r.seq, "seq of " + r);
        assertEquals(want == N, r.isEnd);
        assertEquals(java.util.Map.of("n", (long) want), r.data);
        assertEquals(sub.offset(), r.offset);
    }

    @Test
    void resumesAfterADroppedConnection() throws Exception {
        Client c = Hub.shop();
        Hub.Sent s = Hub.async(c);
        try (Subscription sub = new Client(Hub.URL, "").follow(s.cid(), s.answer.wsToken, "")) {
            for (int seq = 1; seq <= 3; seq++) {
                reply(c, s, seq);
                next(sub, seq);
            }
            sub.drop(); // as if the connection died
            for (int seq = 4; seq <= N; seq++) {
                reply(c, s, seq);
            }
            for (int want = 4; want <= N; want++) {
                next(sub, want);
            }
            assertThrows(EOFException.class, () -> sub.next(Hub.WAIT));
        }
    }

    @Test
    void resumesAfterAHubRestart() throws Exception {
        Client c = Hub.shop();
        Hub.Sent s = Hub.async(c);
        try (Subscription sub = c.follow(s.cid(), "", "")) {
            for (int seq = 1; seq <= 3; seq++) {
                reply(c, s, seq);
            }
            for (int want = 1; want <= 3; want++) {
                next(sub, want);
            }
            Hub.restart(); // SIGTERM closes the WebSocket with 1001; Redis keeps everything
            for (int seq = 4; seq <= N; seq++) {
                reply(c, s, seq);
            }
            for (int want = 4; want <= N; want++) {
                next(sub, want);
            }
            assertThrows(EOFException.class, () -> sub.next(Hub.WAIT));
        }
    }

    @Test
    void startsAfterSince() throws Exception {
        Client c = Hub.shop();
        Hub.Sent s = Hub.async(c);
        reply(c, s, 1);
        reply(c, s, 2);
        String first = c.record(s.cid()).replies.get(0).offset;
        try (Subscription sub = c.follow(s.cid(), s.answer.wsToken, first)) {
            next(sub, 2);
        }
    }

    @Test
    void timeoutLeavesItUsable() throws Exception {
        Client c = Hub.shop();
        Hub.Sent s = Hub.async(c);
        try (Subscription sub = c.follow(s.cid(), "", "")) {
            assertThrows(TimeoutException.class, () -> sub.next(Duration.ofMillis(300)));
            reply(c, s, 1);
            next(sub, 1);
        }
    }

    @Test
    void aSilentConnectionIsDroppedAndResumed() throws Exception {
        Client c = Hub.shop();
        Hub.Sent s = Hub.async(c);
        Client quick = new Client(Hub.URL, Hub.SHOP_KEY).deadAfter(Duration.ofMillis(200)); // the hub pings after 30 s
        try (Subscription sub = quick.follow(s.cid(), "", "")) {
            reply(c, s, 1);
            next(sub, 1);
            while (sub.dials() < 3) { // silent past deadAfter: dropped and dialled again, from the offset of 1
                assertThrows(TimeoutException.class, () -> sub.next(Duration.ofMillis(100)));
            }
            for (int seq = 2; seq <= N; seq++) {
                reply(c, s, seq);
            }
            for (int want = 2; want <= N; want++) {
                next(sub, want);
            }
        }
    }

    @Test
    void backoffDoublesWithJitterToItsCap() {
        Backoff b = new Backoff();
        long bound = Backoff.MIN.toMillis();
        for (int i = 0; i < 12; i++) {
            long wait = b.next().toMillis();
            assertTrue(wait >= bound / 2 && wait <= bound, "wait " + wait + " outside [" + bound / 2 + ", " + bound + "]");
            bound = Math.min(2 * bound, Backoff.MAX.toMillis());
        }
    }

    @Test
    void refusalsEndNext() throws Exception {
        Client c = Hub.shop();
        Hub.Sent s = Hub.async(c);
        Client anon = new Client(Hub.URL, "");
        RefusedException bad = assertThrows(RefusedException.class,
                () -> anon.follow(s.cid(), "wt.forged", "").next(Hub.WAIT));
        assertEquals(401, bad.status());
        RefusedException unknown = assertThrows(RefusedException.class,
                () -> c.follow("0193aaaa-0000-7000-8000-000000000000", "", "").next(Hub.WAIT));
        assertEquals(404, unknown.status());
        RefusedException since = assertThrows(RefusedException.class,
                () -> c.follow(s.cid(), "", "not-an-offset").next(Hub.WAIT));
        assertEquals(400, since.status());
    }

    @Test
    void closeEndsNext() throws Exception {
        Client c = Hub.shop();
        Hub.Sent s = Hub.async(c);
        Subscription sub = c.follow(s.cid(), "", "");
        sub.close();
        assertThrows(SubscriptionClosedException.class, () -> sub.next(Hub.WAIT));
    }

    @Test
    void offsetsOrderNumerically() {
        assertTrue(Offsets.less("9-0", "10-0"));
        assertTrue(Offsets.less("10-2", "10-10"));
        assertFalse(Offsets.less("10-0", "10-0"));
        assertTrue(Offsets.less("junk", "1-0"));
    }
}
