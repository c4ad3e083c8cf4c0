package io.callhub.client;

import java.io.IOException;
import java.util.function.Function;

/**
 * CallbackRequest is what Webhook.verify needs of an incoming callback, as a
 * servlet (or any HTTP server) has it: its method, raw query string, headers
 * and body. Adapt a servlet request with
 * {@code CallbackRequest.of(req.getMethod(), req.getQueryString(), req::getHeader, req.getInputStream().readAllBytes())}.
 */
public interface CallbackRequest {
    /** method is the HTTP method: GET or POST. */
    String method();

    /** rawQuery is the query string as sent, without '?' (null or "" when none). */
    String rawQuery();

    /** header returns a header's value, case-insensitively, or null. */
    String header(String name);

    /** body is the request body's bytes (empty for GET). */
    byte[] body() throws IOException;

    /** of builds a CallbackRequest from its parts. */
    static CallbackRequest of(String method, String rawQuery, Function<String, String> header, byte[] body) {
        return new CallbackRequest() {
            @Override
            public String method() { return method; }

            @Override
            public String rawQuery() { return rawQuery; }

            @Override
            public String header(String name) { return header.apply(name); }

            @Override
            public byte[] body() { return body == null ? new byte[0] : body; }
        };
    }
}
