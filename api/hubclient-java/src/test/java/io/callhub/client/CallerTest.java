package io.callhub.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** CallerTest: a caller-wide subscription hears the replies of every cid of the caller, and comes back after a drop. */
class CallerTest {
    @Test
    void hearsEveryCidOfTheCaller() throws Exception {
        Client c = Hub.shop();
        try (CallerSubscription sub = c.followCaller("shop")) {
            sub.open(Hub.WAIT);
            Hub.Sent a = Hub.async(c);
            Hub.Sent b = Hub.async(c);
            c.reply(a.cid(), a.token(), new ReplyInput().data("a"));
            c.reply(b.cid(), b.token(), new ReplyInput().data("b"));
            Set<String> got = new HashSet<>();
            while (got.size() < 2) {
                Reply r = sub.next(Hub.WAIT);
                if (r.cid.equals(a.cid()) || r.cid.equals(b.cid())) {
                    got.add((String) r.data);
                }
            }
            assertEquals(Set.of("a", "b"), got);

            sub.drop();
            sub.open(Hub.WAIT); // subscribed again: live from here
            Hub.Sent d = Hub.async(c);
            c.reply(d.cid(), d.token(), new ReplyInput().data("d"));
            Reply r;
            do {
                r = sub.next(Hub.WAIT);
            } while (!r.cid.equals(d.cid()));
            assertEquals("d", r.data);
        }
    }

    @Test
    void anotherCallerIsRefused() {
        try (CallerSubscription sub = Hub.shop().followCaller("other")) {
            RefusedException e = assertThrows(RefusedException.class, () -> sub.open(Hub.WAIT));
            assertEquals(403, e.status(), e.getMessage());
        }
    }
}
