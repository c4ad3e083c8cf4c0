package io.callhub.client;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.function.Function;

/**
 * Incoming is what the hub tells a service about a request it forwarded, in
 * its Callhub-* headers. Anyone who can reach the service can send these
 * headers: a service should take requests only from the hub (its network, or
 * a secret header the hub adds through the service's headers setting).
 */
public final class Incoming {
    /** cid is Callhub-Cid. */
    public final String cid;
    /** seq is Callhub-Seq: the step of a multi-step request. */
    public final int seq;
    /** isEnd is Callhub-Is-End: the caller's last step. */
    public final boolean isEnd;
    /** caller is Callhub-Caller. */
    public final String caller;
    /** replyUrl is Callhub-Reply-Url: where the cid's replies go. */
    public final String replyUrl;
    /** replyToken is Callhub-Reply-Token: lets the service reply to this cid. */
    public final String replyToken;

    private Incoming(String cid, int seq, boolean isEnd, String caller, String replyUrl, String replyToken) {
        this.cid = cid;
        this.seq = seq;
        this.isEnd = isEnd;
        this.caller = caller;
        this.replyUrl = replyUrl;
        this.replyToken = replyToken;
    }

    /**
     * from reads the Callhub-* headers through header (a servlet's
     * {@code req::getHeader}, case-insensitive, null when absent). It throws
     * NotForwardedException when Callhub-Cid, Callhub-Reply-Url or
     * Callhub-Reply-Token is missing or malformed.
     */
    public static Incoming from(Function<String, String> header) throws NotForwardedException {
        String cid = orEmpty(header.apply("Callhub-Cid"));
        String token = orEmpty(header.apply("Callhub-Reply-Token"));
        String url = orEmpty(header.apply("Callhub-Reply-Url"));
        if (cid.isEmpty() || token.isEmpty()) {
            throw new NotForwardedException("no Callhub-Cid or Callhub-Reply-Token");
        }
        if (!httpUrl(url)) {
            throw new NotForwardedException("Callhub-Reply-Url \"" + url + "\" is not an http(s) URL");
        }
        String seq = orEmpty(header.apply("Callhub-Seq"));
        String end = orEmpty(header.apply("Callhub-Is-End"));
        if (!end.isEmpty() && !end.equals("true") && !end.equals("false")) {
            throw new NotForwardedException("Callhub-Is-End \"" + end + "\"");
        }
        try {
            return new Incoming(cid, seq.isEmpty() ? 0 : Integer.parseInt(seq), end.equals("true"),
                    orEmpty(header.apply("Callhub-Caller")), url, token);
        } catch (NumberFormatException e) {
            throw new NotForwardedException("Callhub-Seq \"" + seq + "\"");
        }
    }

    /** responder returns a Responder for this cid that posts with http (null for Client.DEFAULT_HTTP). */
    public Responder responder(java.net.http.HttpClient http) {
        return new Responder(replyUrl, replyToken, http);
    }

    private static boolean httpUrl(String s) {
        try {
            URI u = new URI(s);
            return ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s.trim();
    }

    /** NotForwardedException is a request without the headers the hub adds when it forwards. */
    public static final class NotForwardedException extends Exception {
        private static final long serialVersionUID = 1L;

        NotForwardedException(String why) {
            super("callhub: not a request forwarded by the hub: " + why);
        }
    }
}
