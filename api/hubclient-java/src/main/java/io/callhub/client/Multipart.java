package io.callhub.client;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URLConnection;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.List;

/**
 * Multipart is a multipart/form-data body of one JSON part and one file
 * part "file", streamed: the file is read as the body is sent, once.
 */
final class Multipart {
    private static final SecureRandom RANDOM = new SecureRandom();

    final String boundary;

    Multipart() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        boundary = "callhub-" + Sha256.hex(b);
    }

    String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    /** body is the JSON part jsonName holding json, then file named fileName. */
    HttpRequest.BodyPublisher body(String jsonName, String json, String fileName, InputStream file) {
        String head = "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"" + jsonName + "\"\r\n"
                + "Content-Type: application/json\r\n\r\n" + json + "\r\n"
                + "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"" + escape(fileName) + "\"\r\n"
                + "Content-Type: " + contentTypeOf(fileName) + "\r\n\r\n";
        String tail = "\r\n--" + boundary + "--\r\n";
        List<InputStream> parts = List.of(stream(head), file, stream(tail));
        return HttpRequest.BodyPublishers.ofInputStream(() -> new SequenceInputStream(Collections.enumeration(parts)));
    }

    private static InputStream stream(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    /** escape quotes a file name for its header as browsers do. */
    static String escape(String name) {
        return name.replace("\\", "\\\\").replace("\"", "\\\"").replace("\r", "%0D").replace("\n", "%0A");
    }

    static String contentTypeOf(String name) {
        String t = URLConnection.guessContentTypeFromName(name);
        return t == null ? "application/octet-stream" : t;
    }
}
