package io.callhub.client;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Callback is where the hub sends each reply of a request: a url relative to
 * the caller's callbackBase or absolute on an allowed host, and GET or POST.
 * when and afterMs are the lifecycle's: {@code "unacked"} calls back only the
 * replies no subscriber acknowledged within afterMs.
 */
public final class Callback {
    private final String url;
    private final String method;
    private String when;
    private Integer afterMs;

    /** Callback posts each reply to url. */
    public Callback(String url) {
        this(url, null);
    }

    /** Callback sends each reply to url with method (GET or POST; null means POST). */
    public Callback(String url, String method) {
        this.url = url;
        this.method = method;
    }

    /** when sets callback.when: "always" (the default) or "unacked". */
    public Callback when(String when) {
        this.when = when;
        return this;
    }

    /** afterMs sets callback.afterMs: with "unacked", how long to wait for an acknowledgement. */
    public Callback afterMs(int afterMs) {
        this.afterMs = afterMs;
        return this;
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("url", url);
        putIf(m, "method", method);
        putIf(m, "when", when);
        putIf(m, "afterMs", afterMs);
        return m;
    }

    static void putIf(Map<String, Object> m, String k, Object v) {
        if (v != null) {
            m.put(k, v);
        }
    }
}
