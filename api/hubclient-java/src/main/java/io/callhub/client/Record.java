package io.callhub.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** Record is the stored record of a cid (GET /v1/requests/{cid}). */
public final class Record {
    /** cid names the request. */
    public final String cid;
    /** serviceId is the service it went to. */
    public final String serviceId;
    /** caller is the caller that sent it. */
    public final String caller;
    /** state is pending, replied, completed, failed, expired or canceled. */
    public final String state;
    /** stalledSince is when the request's service went silent past its heartbeatMs (RFC 3339), "" when it is not stalled. */
    public final String stalledSince;
    /** replies are its stored replies, in offset order (after the poll's offset, for a poll). */
    public final List<Reply> replies;
    /** json is the whole record as Json read it, for the fields not above (steps, deliveries). */
    public final Map<String, Object> json;

    Record(Map<String, Object> m) {
        cid = Fields.string(m, "cid");
        serviceId = Fields.string(m, "serviceId");
        caller = Fields.string(m, "caller");
        state = Fields.string(m, "state");
        stalledSince = Fields.string(m, "stalledSince");
        List<Reply> rs = new ArrayList<>();
        for (Object r : Fields.array(m.get("replies"))) {
            rs.add(new Reply(Fields.object(r)));
        }
        replies = Collections.unmodifiableList(rs);
        json = Collections.unmodifiableMap(m);
    }
}
