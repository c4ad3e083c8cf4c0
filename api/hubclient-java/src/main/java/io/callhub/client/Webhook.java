package io.callhub.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Webhook checks the Standard Webhooks signatures of the hub's callbacks. */
public final class Webhook {
    /** TOLERANCE is how far a callback's webhook-timestamp may be from the receiver's clock for verify. */
    public static final Duration TOLERANCE = Duration.ofMinutes(5);

    private Webhook() {}

    /**
     * verify checks the signature of a callback with the caller's webhook
     * secret ("whsec_" and base64) and returns the signed content: the raw
     * query string of a GET callback, the body of any other. A POST
     * callback's body is the reply as JSON (Reply.parse); a GET callback's
     * query holds its fields. It throws SignatureException when the callback
     * does not verify, IllegalArgumentException when secret is malformed.
     */
    public static byte[] verify(CallbackRequest r, String secret) throws IOException, SignatureException {
        byte[] content = "GET".equalsIgnoreCase(r.method())
                ? (r.rawQuery() == null ? "" : r.rawQuery()).getBytes(StandardCharsets.UTF_8)
                : r.body();
        verifySignature(secret, r::header, content, Instant.now(), TOLERANCE);
        return content;
    }

    /**
     * verifySignature checks the webhook-id, webhook-timestamp and
     * webhook-signature headers against content, as the Standard Webhooks
     * specification says: the timestamp within tolerance of now, and one
     * "v1,&lt;base64 HMAC-SHA256 of id.timestamp.content&gt;" entry of the
     * space-separated signatures matching (compared in constant time).
     */
    public static void verifySignature(String secret, Function<String, String> header, byte[] content,
            Instant now, Duration tolerance) throws SignatureException {
        byte[] key = key(secret);
        String id = header.apply("webhook-id");
        String ts = header.apply("webhook-timestamp");
        String sigs = header.apply("webhook-signature");
        if (empty(id) || empty(ts) || empty(sigs)) {
            throw new SignatureException("missing webhook-id, webhook-timestamp or webhook-signature");
        }
        long sec;
        try {
            sec = Long.parseLong(ts.trim());
        } catch (NumberFormatException e) {
            throw new SignatureException("webhook-timestamp \"" + ts + "\" is not unix seconds");
        }
        if (Math.abs(now.getEpochSecond() - sec) > tolerance.getSeconds()) {
            throw new SignatureException("webhook-timestamp " + ts + " is outside the tolerance");
        }
        byte[] want = Base64.getEncoder().encode(mac(key, (id + "." + ts.trim() + ".").getBytes(StandardCharsets.UTF_8), content));
        for (String sig : sigs.trim().split("\\s+")) {
            int comma = sig.indexOf(',');
            if (comma > 0 && sig.substring(0, comma).equals("v1")
                    && MessageDigest.isEqual(sig.substring(comma + 1).getBytes(StandardCharsets.UTF_8), want)) {
                return;
            }
        }
        throw new SignatureException("no v1 signature matches");
    }

    private static byte[] mac(byte[] key, byte[] prefix, byte[] content) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            m.update(prefix);
            return m.doFinal(content);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] key(String secret) {
        if (secret != null && secret.startsWith("whsec_")) {
            try {
                byte[] k = Base64.getDecoder().decode(secret.substring(6));
                if (k.length > 0) {
                    return k;
                }
            } catch (IllegalArgumentException e) {
                // falls through to the error below
            }
        }
        throw new IllegalArgumentException("callhub: webhook secret must be \"whsec_\" followed by non-empty base64");
    }

    private static boolean empty(String s) {
        return s == null || s.trim().isEmpty();
    }

    /** SignatureException is a callback whose Standard Webhooks headers do not verify. */
    public static final class SignatureException extends Exception {
        private static final long serialVersionUID = 1L;

        SignatureException(String why) {
            super("callhub: bad webhook signature: " + why);
        }
    }
}
