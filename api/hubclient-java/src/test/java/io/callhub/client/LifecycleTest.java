package io.callhub.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** LifecycleTest: deadlines, cancel, heartbeats with progress, stalls and their end. */
class LifecycleTest {
    @Test
    void cancelEndsTheCidWithTheHubsReply() throws Exception {
        Client c = Hub.shop();
        Hub.Sent s = Hub.async(c);
        try (Subscription sub = c.follow(s.cid(), "", "")) {
            Answer a = c.cancel(s.cid(), "changed my mind");
            assertEquals("canceled", a.msg);
            Reply r = sub.next(Hub.WAIT);
            assertEquals(499, r.code);
            assertEquals("changed my mind", r.msg);
            assertEquals("hub", r.origin);
            assertTrue(r.isEnd);
            assertEquals(a.offset, r.offset);
            assertThrows(EOFException.class, () -> sub.next(Hub.WAIT));
        }
        assertEquals("canceled", c.record(s.cid()).state);
        assertEquals(409, assertThrows(HubException.class, () -> c.cancel(s.cid(), "")).status());
        HubException late = assertThrows(HubException.class, () -> c.reply(s.cid(), s.token(), new ReplyInput()));
        assertEquals(409, late.status());
        assertEquals(404, assertThrows(HubException.class,
                () -> new Client(Hub.URL, "other-key").cancel(s.cid(), "")).status());
    }

    @Test
    void deadlineEndsTheCidWith504() throws Exception {
        Client c = Hub.shop();
        Answer a = c.send(new Request("svc", "/async").method("POST").async(true).deadlineMs(300));
        try (Subscription sub = c.follow(a.cid, a.wsToken, "")) {
            Reply r = sub.next(Hub.WAIT);
            assertEquals(504, r.code);
            assertEquals("hub", r.origin);
            assertTrue(r.isEnd);
        }
        assertEquals("expired", c.record(a.cid).state);
    }

    @Test
    void lifecycleFieldsOfASyncRequestAreRefused() {
        HubException e = assertThrows(HubException.class,
                () -> Hub.shop().send(new Request("svc", "/echo").deadlineMs(1000).heartbeatMs(500)));
        assertEquals(400, e.status());
        assertTrue(e.fields().contains("deadlineMs") && e.fields().contains("heartbeatMs"), e.msg());
    }

    @Test
    void heartbeatsProgressStallsAndResumes() throws Exception {
        Client c = Hub.shop();
        Answer a = c.send(new Request("svc", "/async").method("POST").async(true).heartbeatMs(1000));
        Responder svc = TestService.get().forwarded(a.cid).incoming.responder(null);
        List<Event> events = new CopyOnWriteArrayList<>();
        try (Subscription sub = c.follow(a.cid, a.wsToken, "").onEvent(events::add)) {
            assertThrows(TimeoutException.class, () -> sub.next(Duration.ofMillis(200))); // subscribed
            svc.heartbeat(0.5, "half");
            Event progress = until(sub, events, "progress");
            assertEquals(0.5, progress.progress);
            assertEquals("half", progress.msg);
            assertFalse(progress.at.isEmpty());

            Event stalled = until(sub, events, "stalled"); // no sign of life for heartbeatMs
            assertFalse(stalled.since.isEmpty());
            assertFalse(c.record(a.cid).stalledSince.isEmpty(), "the record shows the stall");
            new Client(Hub.URL, "").heartbeat(a.cid, Hub.SVC_KEY, null, null);
            until(sub, events, "resumed");
            assertEquals("", c.record(a.cid).stalledSince, "the record shows the stall's end");

            svc.reply(new ReplyInput().data("done"));
            assertEquals("done", sub.next(Hub.WAIT).data);
        }
    }

    /** until reads sub until an event of type has come, and returns it. */
    private static Event until(Subscription sub, List<Event> events, String type) throws Exception {
        long deadline = System.nanoTime() + Hub.WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            for (Event e : events) {
                if (e.type.equals(type)) {
                    events.remove(e);
                    return e;
                }
            }
            try {
                sub.next(Duration.ofMillis(100));
                throw new AssertionError("a reply before the " + type + " event");
            } catch (TimeoutException e) {
                // events are handed over while next waits
            }
        }
        throw new AssertionError("no " + type + " event; got " + events);
    }
}
