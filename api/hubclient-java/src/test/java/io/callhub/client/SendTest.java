package io.callhub.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SendTest: sync and async requests carry every field to the service. */
class SendTest {
    @Test
    void syncJsonWithQueryAndHeaders() throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "ünïcode \"quoted\"");
        body.put("n", 7L);
        body.put("list", List.of(1L, 2.5, true));
        Answer a = Hub.shop().send(new Request("svc", "/echo/x").method("PUT").body(body)
                .query(Map.of("page", 2)).headers(Map.of("X-Test", "yes")));
        assertEquals(0, a.code);
        assertEquals(200, a.status);
        Map<String, Object> echo = Hub.obj(a.data);
        assertEquals("PUT", echo.get("method"));
        assertEquals("/echo/x", echo.get("path"));
        assertTrue(((String) echo.get("query")).contains("page=2"), "query " + echo.get("query"));
        assertEquals(body, Json.parse((String) echo.get("body")));
        assertEquals("application/json", echo.get("contentType"));
        assertEquals("yes", Hub.obj(echo.get("headers")).get("x-test"));
        assertEquals(a.cid, Hub.obj(echo.get("headers")).get("callhub-cid"));
    }

    @Test
    void syncFormPostAndGet() throws Exception {
        Client c = Hub.shop();
        Answer post = c.send(new Request("svc", "/echo").method("POST").form(Map.of("a", "1 2")));
        Map<String, Object> echo = Hub.obj(post.data);
        assertTrue(((String) echo.get("contentType")).startsWith("application/x-www-form-urlencoded"));
        String form = (String) echo.get("body");
        assertTrue(form.contains("a=1+2") && form.contains("cid=" + post.cid), "form " + form);

        Answer get = c.send(new Request("svc", "/echo").form(Map.of("b", "3")));
        String query = (String) Hub.obj(get.data).get("query");
        assertTrue(query.contains("b=3") && query.contains("cid=" + get.cid), "query " + query);
    }

    @Test
    void asyncAnswersAtOnceWithToken() throws Exception {
        Hub.Sent s = Hub.async(Hub.shop());
        assertEquals(0, s.answer.code);
        assertEquals("accepted", s.answer.msg);
        assertEquals(202, s.answer.status);
        assertFalse(s.answer.wsToken.isEmpty());
        assertEquals(Map.of("accepted", true), s.answer.data);
        Incoming in = s.forwarded.incoming;
        assertEquals(s.cid(), in.cid);
        assertEquals("shop", in.caller);
        assertEquals(1, in.seq);
        assertTrue(in.isEnd);
        assertEquals(Hub.URL + "/v1/replies/" + s.cid(), in.replyUrl);
    }

    @Test
    void multiStepCidSeqIsEnd() throws Exception {
        Client c = Hub.shop();
        Answer first = c.send(new Request("svc", "/async").method("POST").async(true).seq(1).isEnd(false));
        TestService.Forwarded f1 = TestService.get().forwarded(first.cid);
        assertEquals(1, f1.incoming.seq);
        assertFalse(f1.incoming.isEnd);
        Answer second = c.send(new Request("svc", "/async").method("POST").async(true).cid(first.cid).seq(2).isEnd(true));
        assertEquals(first.cid, second.cid);
        assertEquals(2, second.seq);
        TestService.Forwarded f2 = TestService.get().forwarded(first.cid);
        assertEquals(2, f2.incoming.seq);
        assertTrue(f2.incoming.isEnd);

        Answer again = c.send(new Request("svc", "/async").method("POST").async(true).cid(first.cid).seq(2).isEnd(true));
        assertEquals(2, again.seq);
        assertEquals(0, TestService.get().pending(first.cid), "the same (cid, seq) again was forwarded again");
    }

    @Test
    void lifecycleFieldsAreWritten() {
        Request r = new Request("svc", "/x").async(true).deadlineMs(60000).heartbeatMs(5000)
                .callback(new Callback("/hook").when("unacked").afterMs(2000)).timeoutMs(300);
        Map<String, Object> m = Hub.obj(Json.parse(r.toJson()));
        assertEquals(60000L, m.get("deadlineMs"));
        assertEquals(5000L, m.get("heartbeatMs"));
        assertEquals(300L, m.get("timeoutMs"));
        assertEquals(Map.of("url", "/hook", "when", "unacked", "afterMs", 2000L), m.get("callback"));
    }
}
