package io.callhub.client;

import java.util.Map;

/** FileRef is a file a reply carries, stored on the hub; download it with Client.downloadFile. */
public final class FileRef {
    /** id names the file on the hub. */
    public final String id;
    /** name is the file's name as the service sent it. */
    public final String name;
    /** size is its length in bytes. */
    public final long size;
    /** sha256 is the hex SHA-256 of its content. */
    public final String sha256;
    /** url is where the hub serves it (GET /v1/files/{id}). */
    public final String url;

    FileRef(Map<String, Object> m) {
        id = Fields.string(m, "id");
        name = Fields.string(m, "name");
        size = Fields.integer(m, "size");
        sha256 = Fields.string(m, "sha256");
        url = Fields.string(m, "url");
    }
}
