package io.callhub.client;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** MultipartParts finds the file part of a small multipart body, for the test service. */
final class MultipartParts {
    private MultipartParts() {}

    /** file returns {field, filename, size, sha256} of the first part with a filename. */
    static Map<String, Object> file(TestService.Forwarded f) {
        String boundary = "--" + f.contentType.substring(f.contentType.indexOf("boundary=") + 9).replace("\"", "");
        byte[] sep = boundary.getBytes(StandardCharsets.ISO_8859_1);
        Map<String, Object> out = new LinkedHashMap<>();
        int at = indexOf(f.body, sep, 0);
        while (at >= 0) {
            int headEnd = indexOf(f.body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), at);
            int next = indexOf(f.body, sep, headEnd);
            if (headEnd < 0 || next < 0) {
                break;
            }
            String head = new String(f.body, at, headEnd - at, StandardCharsets.UTF_8);
            if (head.contains("filename=")) {
                byte[] content = Arrays.copyOfRange(f.body, headEnd + 4, next - 2); // without the CRLF before the boundary
                out.put("field", between(head, "name=\"", "\""));
                out.put("filename", between(head, "filename=\"", "\""));
                out.put("size", (long) content.length);
                out.put("sha256", Sha256.of(content));
                return out;
            }
            at = next;
        }
        return out;
    }

    private static String between(String s, String from, String to) {
        int i = s.indexOf(from) + from.length();
        return s.substring(i, s.indexOf(to, i));
    }

    static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
