package io.callhub.client;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Json reads and writes the JSON the hub speaks, with no library: objects
 * are {@code Map<String, Object>} (in order), arrays {@code List<Object>},
 * strings {@code String}, numbers {@code Long} (integers that fit),
 * {@code BigInteger} (larger ones) or {@code Double}, booleans
 * {@code Boolean}, and null {@code null}. It is stateless and thread-safe.
 */
public final class Json {
    /** MAX_DEPTH bounds the nesting of arrays and objects parse accepts. */
    public static final int MAX_DEPTH = 512;

    private Json() {}

    /** ParseException is malformed JSON; its message names the offset. */
    public static final class ParseException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        ParseException(String msg, int at) {
            super("json: " + msg + " at offset " + at);
        }
    }

    /** parse reads one JSON value, with nothing but whitespace after it. */
    public static Object parse(String s) {
        Reader r = new Reader(s);
        Object v = r.value(0);
        r.space();
        if (r.i != s.length()) {
            throw new ParseException("unexpected text after the value", r.i);
        }
        return v;
    }

    /** write returns v as JSON; it throws IllegalArgumentException for what JSON cannot hold. */
    public static String write(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v, 0);
        return b.toString();
    }

    private static void write(StringBuilder b, Object v, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("json: nested deeper than " + MAX_DEPTH);
        }
        if (v == null) {
            b.append("null");
        } else if (v instanceof String) {
            quote(b, (String) v);
        } else if (v instanceof Boolean) {
            b.append(v);
        } else if (v instanceof Number) {
            number(b, (Number) v);
        } else if (v instanceof Map) {
            object(b, (Map<?, ?>) v, depth);
        } else if (v instanceof Iterable) {
            array(b, (Iterable<?>) v, depth);
        } else if (v instanceof Object[]) {
            array(b, List.of((Object[]) v), depth);
        } else if (v instanceof Raw) {
            b.append(((Raw) v).json);
        } else {
            throw new IllegalArgumentException("json: cannot write a " + v.getClass().getName());
        }
    }

    /** Raw is JSON text written as it is (checked when made). */
    public static final class Raw {
        final String json;

        /** Raw checks json parses and keeps it. */
        public Raw(String json) {
            parse(json);
            this.json = json;
        }

        @Override
        public String toString() {
            return json;
        }
    }

    private static void number(StringBuilder b, Number n) {
        if (n instanceof Double || n instanceof Float) {
            double d = n.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("json: cannot write " + d);
            }
            if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                b.append((long) d);
                return;
            }
        }
        if (n instanceof BigDecimal) {
            b.append(((BigDecimal) n).toString());
            return;
        }
        b.append(n.toString());
    }

    private static void object(StringBuilder b, Map<?, ?> m, int depth) {
        b.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!first) {
                b.append(',');
            }
            first = false;
            quote(b, String.valueOf(e.getKey()));
            b.append(':');
            write(b, e.getValue(), depth + 1);
        }
        b.append('}');
    }

    private static void array(StringBuilder b, Iterable<?> items, int depth) {
        b.append('[');
        boolean first = true;
        for (Object o : items) {
            if (!first) {
                b.append(',');
            }
            first = false;
            write(b, o, depth + 1);
        }
        b.append(']');
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        b.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    } else if (c == 0x2028 || c == 0x2029) { // JSON allows them; JavaScript source did not
                        b.append("\\u").append(Integer.toHexString(c));
                    } else {
                        b.append(c);
                    }
            }
        }
        b.append('"');
    }

    /** Reader is one parse's position in its text. */
    private static final class Reader {
        final String s;
        int i;

        Reader(String s) {
            this.s = s;
        }

        ParseException fail(String msg) {
            return new ParseException(msg, i);
        }

        void space() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return;
                }
                i++;
            }
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw fail("nested deeper than " + MAX_DEPTH);
            }
            space();
            if (i >= s.length()) {
                throw fail("unexpected end");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{': return object(depth);
                case '[': return array(depth);
                case '"': return string();
                case 't': return literal("true", Boolean.TRUE);
                case 'f': return literal("false", Boolean.FALSE);
                case 'n': return literal("null", null);
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        return number();
                    }
                    throw fail("unexpected character '" + c + "'");
            }
        }

        Object literal(String word, Object v) {
            if (!s.startsWith(word, i)) {
                throw fail("bad literal");
            }
            i += word.length();
            return v;
        }

        Map<String, Object> object(int depth) {
            Map<String, Object> m = new LinkedHashMap<>();
            i++;
            space();
            if (i < s.length() && s.charAt(i) == '}') {
                i++;
                return m;
            }
            while (true) {
                space();
                if (i >= s.length() || s.charAt(i) != '"') {
                    throw fail("want a string key");
                }
                String k = string();
                space();
                expect(':');
                m.put(k, value(depth + 1));
                space();
                if (i < s.length() && s.charAt(i) == ',') {
                    i++;
                    continue;
                }
                expect('}');
                return m;
            }
        }

        List<Object> array(int depth) {
            List<Object> l = new ArrayList<>();
            i++;
            space();
            if (i < s.length() && s.charAt(i) == ']') {
                i++;
                return l;
            }
            while (true) {
                l.add(value(depth + 1));
                space();
                if (i < s.length() && s.charAt(i) == ',') {
                    i++;
                    continue;
                }
                expect(']');
                return l;
            }
        }

        void expect(char c) {
            if (i >= s.length() || s.charAt(i) != c) {
                throw fail("want '" + c + "'");
            }
            i++;
        }

        String string() {
            i++; // the opening quote
            StringBuilder b = new StringBuilder();
            while (true) {
                if (i >= s.length()) {
                    throw fail("unterminated string");
                }
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c < 0x20) {
                    throw fail("control character in string");
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (i >= s.length()) {
                    throw fail("unterminated escape");
                }
                b.append(escape(s.charAt(i++)));
            }
        }

        char escape(char c) {
            switch (c) {
                case '"': return '"';
                case '\\': return '\\';
                case '/': return '/';
                case 'b': return '\b';
                case 'f': return '\f';
                case 'n': return '\n';
                case 'r': return '\r';
                case 't': return '\t';
                case 'u': return hex4();
                default: throw fail("bad escape \\" + c);
            }
        }

        char hex4() {
            if (i + 4 > s.length()) {
                throw fail("short \\u escape");
            }
            int v = 0;
            for (int k = 0; k < 4; k++) {
                int d = Character.digit(s.charAt(i++), 16);
                if (d < 0) {
                    throw fail("bad \\u escape");
                }
                v = v << 4 | d;
            }
            return (char) v;
        }

        Number number() {
            int start = i;
            if (s.charAt(i) == '-') {
                i++;
            }
            boolean integral = true;
            if (digits() == 0) {
                throw fail("want a digit");
            }
            if (s.charAt(start) == '0' && i - start > 1 || s.startsWith("-0", start) && i - start > 2) {
                throw fail("leading zero");
            }
            if (i < s.length() && s.charAt(i) == '.') {
                i++;
                integral = false;
                if (digits() == 0) {
                    throw fail("want a digit after '.'");
                }
            }
            if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
                i++;
                integral = false;
                if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                    i++;
                }
                if (digits() == 0) {
                    throw fail("want a digit in the exponent");
                }
            }
            String text = s.substring(start, i);
            try {
                if (!integral) {
                    double d = Double.parseDouble(text);
                    return Double.isInfinite(d) ? (Number) new BigDecimal(text) : (Number) d;
                }
                BigInteger big = new BigInteger(text);
                return big.bitLength() < 64 ? (Number) big.longValue() : big;
            } catch (NumberFormatException e) { // an exponent beyond what Java holds (newer JDKs refuse them)
                throw new ParseException("number " + text + " out of range", start);
            }
        }

        int digits() {
            int n = 0;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
                n++;
            }
            return n;
        }
    }
}
