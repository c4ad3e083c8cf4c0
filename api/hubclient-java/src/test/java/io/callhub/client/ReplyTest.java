package io.callhub.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ReplyTest: a service replies by reply token or service key, JSON or with a file, once per seq. */
class ReplyTest {
    @Test
    void byTokenThroughTheResponder() throws Exception {
        Client c = Hub.shop();
        Hub.Sent s = Hub.async(c);
        Responder r = s.forwarded.incoming.responder(null);
        Answer a = r.reply(new ReplyInput().seq(1).isEnd(false).code(7).msg("half").data(Map.of("rows", 10)));
        assertEquals(s.cid(), a.cid);
        assertEquals(1, a.seq);
        assertFalse(a.offset.isEmpty());
        Answer dup = r.reply(new ReplyInput().seq(1).isEnd(false));
        assertEquals("duplicate: stored before", dup.msg);
        assertEquals(a.offset, dup.offset);

        Reply got = c.record(s.cid()).replies.get(0);
        assertEquals(7, got.code);
        assertEquals("half", got.msg);
        assertEquals(Map.of("rows", 10L), got.data);
    }

    @Test
    void byServiceKeyAndIsEndDefault() throws Exception {
        Client c = Hub.shop();
        Hub.Sent s = Hub.async(c);
        Client svc = new Client(Hub.URL, "");
        Answer first = svc.replyFile(s.cid(), Hub.SVC_KEY, new ReplyInput().isEnd(false), "a.txt",
                new ByteArrayInputStream("file by key".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertEquals(1, first.seq);
        Answer a = svc.reply(s.cid(), Hub.SVC_KEY, new ReplyInput().data("done"));
        assertEquals(2, a.seq, "seq defaults to the next one");
        assertEquals("a.txt", c.record(s.cid()).replies.get(0).file.name);
        HubException late = assertThrows(HubException.class, () -> svc.reply(s.cid(), Hub.SVC_KEY, new ReplyInput()));
        assertEquals(409, late.status(), "isEnd defaults to true: a later reply is a conflict");
        HubException wrong = assertThrows(HubException.class, () -> svc.reply(s.cid(), "other-key", new ReplyInput()));
        assertEquals(404, wrong.status(), "another principal's cid reads as unknown: " + wrong.getMessage());
    }

    @Test
    void withAFileDownloadedAndChecked(@TempDir Path dir) throws Exception {
        Client c = Hub.shop();
        Hub.Sent s = Hub.async(c);
        byte[] content = TestService.pattern(100_000);
        try (Subscription sub = c.follow(s.cid(), s.answer.wsToken, "")) {
            s.forwarded.incoming.responder(null)
                    .replyFile(new ReplyInput().msg("report"), "report.csv", new ByteArrayInputStream(content));
            Reply r = sub.next(Hub.WAIT);
            assertNotNull(r.file, "the reply carries its file");
            assertEquals("report.csv", r.file.name);
            assertEquals(content.length, r.file.size);
            assertEquals(Sha256.of(content), r.file.sha256);

            Path dest = dir.resolve("got.csv");
            assertEquals(r.file.sha256, new Client(Hub.URL, "").downloadFile(r.file, s.answer.wsToken, dest));
            assertEquals(Sha256.of(content), Sha256.of(dest));

            Map<String, Object> forged = new java.util.LinkedHashMap<>();
            forged.put("url", r.file.url);
            forged.put("size", r.file.size);
            forged.put("sha256", Sha256.of(new byte[0]));
            Path bad = dir.resolve("bad.csv");
            assertThrows(IOException.class, () -> c.downloadFile(new FileRef(forged), "", bad));
            assertFalse(Files.exists(bad), "a file that does not match is deleted");
        }
    }

    @Test
    void incomingRefusesWhatTheHubDidNotForward() {
        Map<String, String> h = Map.of("Callhub-Cid", "x", "Callhub-Reply-Token", "t", "Callhub-Reply-Url", "ftp://x/");
        assertThrows(Incoming.NotForwardedException.class, () -> Incoming.from(h::get));
        assertThrows(Incoming.NotForwardedException.class, () -> Incoming.from(name -> null));
    }
}
