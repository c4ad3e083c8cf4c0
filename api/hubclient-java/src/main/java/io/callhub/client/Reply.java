package io.callhub.client;

import java.util.Map;

/**
 * Reply is one reply of a cid as the hub sends it: a WebSocket frame (without
 * its type), an element of the record's replies, or the JSON body of a POST
 * callback.
 */
public final class Reply {
    /** cid names the request. */
    public final String cid;
    /** seq numbers the reply within its cid, from 1. */
    public final int seq;
    /** isEnd marks the cid's last reply. */
    public final boolean isEnd;
    /** code is the service's (0 is success) or the hub's (504 deadline, 499 canceled). */
    public final int code;
    /** msg is the reply's message. */
    public final String msg;
    /** data is the reply's data as Json reads it, null when it had none. */
    public final Object data;
    /** file is the file the reply carries, null when none. */
    public final FileRef file;
    /** offset orders the replies of a cid; hand it back to resume. */
    public final String offset;
    /** at is when the hub stored the reply (RFC 3339). */
    public final String at;
    /** origin is "hub" for a reply the hub made, else "". */
    public final String origin;

    Reply(Map<String, Object> m) {
        cid = Fields.string(m, "cid");
        seq = (int) Fields.integer(m, "seq");
        isEnd = Fields.bool(m, "isEnd");
        code = (int) Fields.integer(m, "code");
        msg = Fields.string(m, "msg");
        data = m.get("data");
        file = m.get("file") instanceof Map ? new FileRef(Fields.object(m.get("file"))) : null;
        offset = Fields.string(m, "offset");
        at = Fields.string(m, "at");
        origin = Fields.string(m, "origin");
    }

    /** parse reads a reply from JSON, such as a POST callback's verified body. */
    public static Reply parse(String json) {
        Object v = Json.parse(json);
        if (!(v instanceof Map)) {
            throw new Json.ParseException("a reply must be a JSON object", 0);
        }
        return new Reply(Fields.object(v));
    }

    @Override
    public String toString() {
        return "Reply{cid=" + cid + ", seq=" + seq + ", isEnd=" + isEnd + ", code=" + code
                + ", offset=" + offset + "}";
    }
}
