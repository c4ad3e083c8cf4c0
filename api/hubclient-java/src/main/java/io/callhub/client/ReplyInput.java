package io.callhub.client;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ReplyInput is a service's reply. An unset seq means the next one. An unset
 * isEnd means true, as it does for the hub: the reply is the cid's last, and
 * a later one is refused (409); set isEnd(false) for a reply more follow.
 */
public final class ReplyInput {
    private Integer seq;
    private boolean isEnd = true;
    private Integer code;
    private String msg;
    private Object data;

    /** seq sets the reply's number. */
    public ReplyInput seq(int seq) { this.seq = seq; return this; }

    /** isEnd says whether this is the cid's last reply. */
    public ReplyInput isEnd(boolean isEnd) { this.isEnd = isEnd; return this; }

    /** code sets the reply's code (0 by default). */
    public ReplyInput code(int code) { this.code = code; return this; }

    /** msg sets the reply's message. */
    public ReplyInput msg(String msg) { this.msg = msg; return this; }

    /** data sets the reply's data, any value Json writes. */
    public ReplyInput data(Object data) { this.data = data; return this; }

    /** toJson writes the reply as the hub reads it, with isEnd always present. */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        Callback.putIf(m, "seq", seq);
        m.put("isEnd", isEnd);
        Callback.putIf(m, "code", code);
        Callback.putIf(m, "msg", msg);
        Callback.putIf(m, "data", data);
        return Json.write(m);
    }
}
