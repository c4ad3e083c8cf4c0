package io.callhub.client;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * HubException is a non-2xx answer of the hub: its HTTP status, the
 * envelope's code and msg, and for a 400 the fields the msg names
 * ("serviceId: required; seq: must be at least 1" names serviceId and seq).
 */
public class HubException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final int code;
    private final String hubMsg;
    private final String cid;
    private Duration retryAfter;

    HubException(int status, int code, String msg, String cid) {
        super("callhub: " + status + " " + msg);
        this.status = status;
        this.code = code;
        this.hubMsg = msg;
        this.cid = cid;
    }

    /** of reads the envelope of a non-2xx answer (or keeps its text). */
    static HubException of(int status, String body) {
        Map<String, Object> m = envelope(body);
        String msg = m.containsKey("msg") ? Fields.string(m, "msg") : body.trim();
        int code = m.containsKey("code") ? (int) Fields.integer(m, "code") : status;
        return new HubException(status, code, msg, Fields.string(m, "cid"));
    }

    static Map<String, Object> envelope(String body) {
        try {
            return Fields.object(Json.parse(body));
        } catch (IllegalArgumentException e) {
            return Map.of();
        }
    }

    /** status is the HTTP status: 400 bad input, 401, 403, 404, 409, 413, 429, 502, 503, 504. */
    public int status() { return status; }

    /** code is the envelope's code (the status, for the v1 API). */
    public int code() { return code; }

    /** msg is the hub's message, naming the bad fields of a 400. */
    public String msg() { return hubMsg; }

    /** cid is the request's cid when the hub named one, else "". */
    public String cid() { return cid; }

    /** retryAfter is the answer's Retry-After (a 503 while a service's breaker is open), or null. */
    public Duration retryAfter() { return retryAfter; }

    void retryAfter(String seconds) {
        try {
            retryAfter = Duration.ofSeconds(Long.parseLong(seconds.trim()));
        } catch (NumberFormatException e) {
            retryAfter = null; // an HTTP date: the hub sends seconds
        }
    }

    /** fields lists the fields a 400's msg names, in order; empty for other statuses. */
    public List<String> fields() {
        List<String> out = new ArrayList<>();
        if (status != 400) {
            return out;
        }
        for (String part : hubMsg.split("; ")) {
            int colon = part.indexOf(": ");
            if (colon > 0 && part.lastIndexOf(' ', colon) < 0) {
                out.add(part.substring(0, colon));
            }
        }
        return out;
    }

    /** field is the first field a 400 names, or "" when none. */
    public String field() {
        List<String> f = fields();
        return f.isEmpty() ? "" : f.get(0);
    }
}
