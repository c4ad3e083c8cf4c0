package io.callhub.client;

/** Offsets orders offsets "&lt;ms&gt;-&lt;n&gt;" (Redis stream ids) numerically, as the hub does. */
public final class Offsets {
    private Offsets() {}

    /** less reports whether offset a comes before b; a malformed offset sorts first. */
    public static boolean less(String a, String b) {
        long[] x = split(a);
        long[] y = split(b);
        if ((x == null) != (y == null)) {
            return y != null;
        }
        if (x == null) {
            return false;
        }
        int c = Long.compareUnsigned(x[0], y[0]);
        return c != 0 ? c < 0 : Long.compareUnsigned(x[1], y[1]) < 0;
    }

    private static long[] split(String s) {
        int dash = s.indexOf('-');
        String ms = dash < 0 ? s : s.substring(0, dash);
        try {
            long n = 0;
            if (dash >= 0) {
                try {
                    n = Long.parseUnsignedLong(s.substring(dash + 1));
                } catch (NumberFormatException e) {
                    n = 0;
                }
            }
            return new long[] {Long.parseUnsignedLong(ms), n};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
