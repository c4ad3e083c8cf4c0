package io.callhub.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Sha256 hashes files and bytes as the hub does: lower-case hex of SHA-256. */
public final class Sha256 {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Sha256() {}

    /** digest returns a new SHA-256 digest (every Java platform has one). */
    static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** of returns the hex SHA-256 of b. */
    public static String of(byte[] b) {
        return hex(digest().digest(b));
    }

    /** of returns the hex SHA-256 of the file at p. */
    public static String of(Path p) throws IOException {
        MessageDigest md = digest();
        byte[] buf = new byte[64 << 10];
        try (InputStream in = Files.newInputStream(p)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return hex(md.digest());
    }

    static String hex(byte[] b) {
        char[] out = new char[2 * b.length];
        for (int i = 0; i < b.length; i++) {
            out[2 * i] = HEX[b[i] >> 4 & 0xf];
            out[2 * i + 1] = HEX[b[i] & 0xf];
        }
        return new String(out);
    }
}
