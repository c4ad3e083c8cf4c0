package io.callhub.client;

import java.util.Map;

/**
 * Event is a lifecycle event of a followed cid, besides its replies: a
 * service's heartbeat ("progress"), a silence past the request's
 * heartbeatMs ("stalled") and its end ("resumed"). Events are not stored:
 * a subscriber that was away misses them (the record's stalledSince tells).
 */
public final class Event {
    /** type is "progress", "stalled" or "resumed". */
    public final String type;
    /** cid names the request. */
    public final String cid;
    /** progress is a heartbeat's progress, 0 to 1, or null when it gave none. */
    public final Double progress;
    /** msg is a heartbeat's message, or "". */
    public final String msg;
    /** at is when the hub took a heartbeat (RFC 3339), or "". */
    public final String at;
    /** since is when a stall began (RFC 3339), or "". */
    public final String since;

    Event(Map<String, Object> m) {
        type = Fields.string(m, "type");
        cid = Fields.string(m, "cid");
        Object p = m.get("progress");
        progress = p instanceof Number ? ((Number) p).doubleValue() : null;
        msg = Fields.string(m, "msg");
        at = Fields.string(m, "at");
        since = Fields.string(m, "since");
    }

    static boolean is(String type) {
        return type.equals("progress") || type.equals("stalled") || type.equals("resumed");
    }

    @Override
    public String toString() {
        return "Event{type=" + type + ", cid=" + cid + ", progress=" + progress + ", msg=" + msg + "}";
    }
}
