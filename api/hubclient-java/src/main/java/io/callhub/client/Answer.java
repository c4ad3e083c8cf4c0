package io.callhub.client;

import java.util.Map;

/**
 * Answer is the hub's answer to a request or a reply: for an async request
 * its cid and wsToken, for a sync one the service's status and data (JSON
 * decoded, else a string), for a reply its offset.
 */
public final class Answer {
    /** code is 0 on success. */
    public final int code;
    /** msg is "ok", "accepted", or a reply's "duplicate: stored before". */
    public final String msg;
    /** cid names the request. */
    public final String cid;
    /** seq is the step or reply number. */
    public final int seq;
    /** status is the service's HTTP status. */
    public final int status;
    /** data is the service's answer body, decoded as Json does. */
    public final Object data;
    /** wsToken lets anyone holding it follow this cid (async answers). */
    public final String wsToken;
    /** offset is a stored reply's offset (reply answers). */
    public final String offset;

    Answer(Map<String, Object> m) {
        code = (int) Fields.integer(m, "code");
        msg = Fields.string(m, "msg");
        cid = Fields.string(m, "cid");
        seq = (int) Fields.integer(m, "seq");
        status = (int) Fields.integer(m, "status");
        data = m.get("data");
        wsToken = Fields.string(m, "wsToken");
        offset = Fields.string(m, "offset");
    }

    @Override
    public String toString() {
        return "Answer{code=" + code + ", msg=" + msg + ", cid=" + cid + ", seq=" + seq
                + ", status=" + status + ", offset=" + offset + "}";
    }
}
