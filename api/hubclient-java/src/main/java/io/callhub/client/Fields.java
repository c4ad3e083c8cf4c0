package io.callhub.client;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/** Fields reads typed values out of parsed JSON objects, tolerating absence. */
final class Fields {
    private Fields() {}

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object v) {
        return v instanceof Map ? (Map<String, Object>) v : Map.of();
    }

    @SuppressWarnings("unchecked")
    static List<Object> array(Object v) {
        return v instanceof List ? (List<Object>) v : List.of();
    }

    static String string(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v instanceof String ? (String) v : "";
    }

    static long integer(Map<String, Object> m, String k) {
        Object v = m.get(k);
        if (v instanceof Long || v instanceof Double || v instanceof BigInteger) {
            return ((Number) v).longValue();
        }
        return 0;
    }

    static boolean bool(Map<String, Object> m, String k) {
        return Boolean.TRUE.equals(m.get(k));
    }
}
