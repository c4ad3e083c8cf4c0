package io.callhub.client;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Request is a request to send through the hub (POST /v1/requests). Set its
 * fields with the chained setters; unset fields take the hub's defaults. It
 * is not safe for concurrent modification.
 */
public final class Request {
    private final Map<String, Object> fields = new LinkedHashMap<>();

    /** Request names the service and the path on it. */
    public Request(String serviceId, String path) {
        fields.put("serviceId", serviceId);
        fields.put("path", path);
    }

    /** method sets the HTTP method the service sees (GET by default). */
    public Request method(String method) { return set("method", method); }

    /** query adds these parameters to the query string. */
    public Request query(Map<String, ?> query) { return set("query", query); }

    /** form sends these fields: in the query for GET and DELETE, else form-urlencoded. */
    public Request form(Map<String, ?> form) { return set("form", form); }

    /** body sends this value as JSON (a Map, List, String, Number, Boolean or Json.Raw). */
    public Request body(Object body) { return set("body", body); }

    /** headers adds these headers to the forwarded request. */
    public Request headers(Map<String, String> headers) { return set("headers", headers); }

    /** async makes the hub answer 202 at once and deliver replies later. */
    public Request async(boolean async) { return set("async", async); }

    /** callback names where each reply is sent. */
    public Request callback(Callback callback) { return set("callback", callback.toJson()); }

    /** cid reuses a cid (a multi-step request). */
    public Request cid(String cid) { return set("cid", cid); }

    /** seq is the step number, from 1. */
    public Request seq(int seq) { return set("seq", seq); }

    /** isEnd marks the last step (true by default). */
    public Request isEnd(boolean isEnd) { return set("isEnd", isEnd); }

    /** timeoutMs bounds the forward to the service. */
    public Request timeoutMs(int timeoutMs) { return set("timeoutMs", timeoutMs); }

    /** deadlineMs: the cid must end within this many ms of the 202 (async). */
    public Request deadlineMs(long deadlineMs) { return set("deadlineMs", deadlineMs); }

    /** heartbeatMs: the service shows a sign of life at least this often (async). */
    public Request heartbeatMs(long heartbeatMs) { return set("heartbeatMs", heartbeatMs); }

    /** set sets any other field of the request by its JSON name. */
    public Request set(String field, Object value) {
        if (value == null) {
            fields.remove(field);
        } else {
            fields.put(field, value);
        }
        return this;
    }

    /** toJson returns the request as the hub reads it. */
    public String toJson() {
        return Json.write(fields);
    }

    /** copy returns a request with the same fields, for the calls that add their own. */
    Request copy() {
        Request r = new Request((String) fields.get("serviceId"), (String) fields.get("path"));
        r.fields.putAll(fields);
        return r;
    }
}
