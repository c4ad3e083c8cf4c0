package io.callhub.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Transfers moves files through the hub: uploads with a request, downloads of answers and reply files. */
final class Transfers {
    private Transfers() {}

    static Answer upload(Client c, Request r, Path file) throws IOException, InterruptedException {
        Request req = r.copy().set("sha256", Sha256.of(file)); // the hub checks it before forwarding anything
        Multipart mp = new Multipart();
        InputStream in = Files.newInputStream(file);
        try (in) {
            HttpRequest.Builder b = Client.builder(URI.create(c.baseUrl + "/v1/requests"), c.timeoutOrNull())
                    .header("Content-Type", mp.contentType())
                    .POST(mp.body("request", req.toJson(), file.getFileName().toString(), in));
            return new Answer(Fields.object(Json.parse(c.exchange(b, c.key))));
        }
    }

    static Download download(Client c, Request r) throws IOException, InterruptedException {
        Request req = r.copy().set("download", true);
        HttpRequest.Builder b = Client.builder(URI.create(c.baseUrl + "/v1/requests"), c.timeoutOrNull())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(req.toJson()));
        if (!c.key.isEmpty()) {
            b.header("Authorization", "Bearer " + c.key);
        }
        HttpResponse<InputStream> resp = c.http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        String cid = resp.headers().firstValue("Callhub-Cid").orElse("");
        if (resp.statusCode() >= 300 && cid.isEmpty()) { // the hub's refusal, not the service's answer
            try (InputStream in = resp.body()) {
                throw HubException.of(resp.statusCode(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return new Download(resp.statusCode(), resp.headers().firstValue("Content-Type").orElse(""),
                resp.headers().firstValue("Content-Disposition").orElse(""), cid, resp.body());
    }

    static String downloadFile(Client c, FileRef f, String token, Path dest) throws IOException, InterruptedException {
        HttpRequest.Builder b = Client.builder(URI.create(f.url), c.timeoutOrNull()).GET();
        String bearer = token == null || token.isEmpty() ? c.key : token;
        if (!bearer.isEmpty()) {
            b.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<InputStream> resp = c.http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (resp.statusCode() >= 300) {
            try (InputStream in = resp.body()) {
                throw HubException.of(resp.statusCode(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        String declared = resp.headers().firstValue("Callhub-Sha256").orElse(f.sha256);
        Download d = new Download(resp.statusCode(), "", "", "", resp.body());
        String got = d.saveTo(dest);
        long size = Files.size(dest);
        if (!got.equals(f.sha256) || !got.equals(declared) || size != f.size) {
            Files.deleteIfExists(dest);
            throw new IOException("callhub: file " + f.id + ": sha256 " + got + " (" + size
                    + " bytes), want " + f.sha256 + " (" + f.size + " bytes)");
        }
        return got;
    }
}
