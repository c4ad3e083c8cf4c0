package io.callhub.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FilesTest: uploads reach the service whole and checked; downloads stream back with their hash. */
class FilesTest {
    @Test
    void uploadReachesTheServiceWhole(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("data.bin");
        Files.write(file, TestService.pattern(1 << 20));
        Answer a = Hub.shop().upload(new Request("svc", "/upload").set("fileField", "doc"), file);
        Map<String, Object> got = Hub.obj(a.data);
        assertEquals("doc", got.get("field"));
        assertEquals("data.bin", got.get("filename"));
        assertEquals((long) (1 << 20), got.get("size"));
        assertEquals(Sha256.of(file), got.get("sha256"));
    }

    @Test
    void asyncUploadIsForwardedInTheBackground(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("async.txt");
        Files.writeString(file, "hello");
        Answer a = Hub.shop().upload(new Request("svc", "/upload").async(true), file);
        assertEquals("accepted", a.msg);
        TestService.Forwarded f = TestService.get().forwarded(a.cid);
        assertEquals(Sha256.of(file), MultipartParts.file(f).get("sha256"));
    }

    @Test
    void aWrongSha256IsRefusedNamingIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("x.txt");
        Files.writeString(file, "abc");
        Multipart mp = new Multipart();
        String req = new Request("svc", "/upload").set("sha256", Sha256.of(new byte[1])).toJson();
        java.net.http.HttpRequest.Builder r = java.net.http.HttpRequest.newBuilder(java.net.URI.create(Hub.URL + "/v1/requests"))
                .header("Content-Type", mp.contentType())
                .POST(mp.body("request", req, "x.txt", Files.newInputStream(file)));
        Client c = Hub.shop();
        HubException e = assertThrows(HubException.class, () -> c.exchange(r, Hub.SHOP_KEY));
        assertEquals(400, e.status());
        assertEquals("sha256", e.field(), e.msg());
    }

    @Test
    void downloadStreamsTheAnswerWithItsHash(@TempDir Path dir) throws Exception {
        try (Download d = Hub.shop().download(new Request("svc", "/file"))) {
            assertEquals(200, d.status);
            assertTrue(d.contentDisposition.contains("report.bin"), d.contentDisposition);
            assertTrue(!d.cid.isEmpty());
            Path dest = dir.resolve("report.bin");
            assertEquals(Sha256.of(TestService.FILE), d.saveTo(dest));
            assertEquals(TestService.FILE.length, Files.size(dest));
        }
        try (Download missing = Hub.shop().download(new Request("svc", "/missing"))) {
            assertEquals(404, missing.status, "the service's status comes through");
        }
        HubException e = assertThrows(HubException.class, () -> Hub.shop().download(new Request("nope", "/file")));
        assertEquals(404, e.status());
    }
}
