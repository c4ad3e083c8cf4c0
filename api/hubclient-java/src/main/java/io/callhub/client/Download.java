package io.callhub.client;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;

/**
 * Download is a service's answer streamed back through the hub (a request
 * with download): its status, headers and body, hashed as it is read. The
 * hub sends the body's SHA-256 as the HTTP trailer Callhub-Sha256, which
 * java.net.http does not expose: compare sha256() with the hash you expect.
 * Close it (or read it to its end) to free the connection.
 */
public final class Download implements AutoCloseable {
    /** status is the service's HTTP status. */
    public final int status;
    /** contentType is the service's Content-Type, or "". */
    public final String contentType;
    /** contentDisposition is the service's Content-Disposition, or "". */
    public final String contentDisposition;
    /** cid names the request. */
    public final String cid;

    private final MessageDigest md = Sha256.digest();
    private final InputStream body;
    private String sum;

    Download(int status, String contentType, String contentDisposition, String cid, InputStream raw) {
        this.status = status;
        this.contentType = contentType;
        this.contentDisposition = contentDisposition;
        this.cid = cid;
        this.body = new FilterInputStream(raw) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    md.update((byte) b);
                }
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                int n = super.read(buf, off, len);
                if (n > 0) {
                    md.update(buf, off, n);
                }
                return n;
            }
        };
    }

    /** body is the answer's body; each byte read is hashed. */
    public InputStream body() {
        return body;
    }

    /** saveTo writes the rest of the body to dest and returns its hex SHA-256. */
    public String saveTo(Path dest) throws IOException {
        try (InputStream in = body) {
            Files.copy(in, dest, StandardCopyOption.REPLACE_EXISTING);
        }
        return sha256();
    }

    /** sha256 is the hex SHA-256 of the body read so far (all of it, once read to its end). */
    public synchronized String sha256() {
        if (sum == null) {
            sum = Sha256.hex(md.digest());
        }
        return sum;
    }

    @Override
    public void close() throws IOException {
        body.close();
    }
}
