package io.callhub.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * JsonTest fuzzes the JSON reader: with the hub's real answers, mutated,
 * and with random values. parse never fails other than with a
 * ParseException, and what it reads writes back to a fixed point.
 */
class JsonTest {
    private static final long SEED = Long.getLong("json.seed", System.nanoTime());

    @Test
    void hubAnswersRoundTripAndSurviveMutation() throws Exception {
        Random rnd = new Random(SEED);
        List<String> answers = hubAnswers(rnd);
        for (String a : answers) {
            roundTrips(a);
            for (int i = 0; i < 2000; i++) {
                tryParse(mutate(a, rnd));
            }
        }
    }

    @Test
    void randomValuesRoundTrip() {
        Random rnd = new Random(SEED);
        for (int i = 0; i < 3000; i++) {
            Object v = value(rnd, 0);
            String text = Json.write(v);
            assertEquals(v, Json.parse(text), "seed " + SEED + ": " + text);
            tryParse(mutate(text, rnd));
        }
    }

    @Test
    void randomBytesNeverCrash() {
        Random rnd = new Random(SEED);
        String alphabet = "{}[],:\"\\/ \t\n0123456789.eE+-truefalsnu\u00e9\ud83d\ude00\u0001";
        for (int i = 0; i < 20000; i++) {
            StringBuilder b = new StringBuilder();
            for (int n = rnd.nextInt(40); n > 0; n--) {
                b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            }
            tryParse(b.toString());
        }
    }

    @Test
    void edges() {
        assertThrows(Json.ParseException.class, () -> Json.parse("[".repeat(100_000)));
        assertThrows(Json.ParseException.class, () -> Json.parse("01"));
        assertThrows(Json.ParseException.class, () -> Json.parse("{\"a\":1,}"));
        assertThrows(Json.ParseException.class, () -> Json.parse("\"\u0001\""));
        assertThrows(Json.ParseException.class, () -> Json.parse("1 2"));
        assertEquals(new BigInteger("123456789012345678901234567890"), Json.parse("123456789012345678901234567890"));
        assertEquals(Long.MIN_VALUE, Json.parse(Long.toString(Long.MIN_VALUE)));
        assertEquals("\ud83d\ude00", Json.parse("\"\\ud83d\\ude00\""));
        assertEquals("\"\\u2028\\u0000\"", Json.write("\u2028\u0000"));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
        roundTrips("1e400");
        assertThrows(Json.ParseException.class, () -> Json.parse("-103007e9869429064122"));
    }

    /** hubAnswers are real JSON answers of the hub: records holding awkward data, errors, answers. */
    private static List<String> hubAnswers(Random rnd) throws Exception {
        Client c = Hub.shop();
        Hub.Sent s = Hub.async(c);
        List<Object> data = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            data.add(value(rnd, 0, false));
        }
        Map<String, Object> awkward = new LinkedHashMap<>();
        awkward.put("text", "quote \" slash \\ tab \t nl \n \u00e9 \ud83d\ude00 \u2028");
        awkward.put("numbers", List.of(0L, -1L, Long.MAX_VALUE, 1.5, -2.25e-7, 1e300));
        awkward.put("random", data);
        c.reply(s.cid(), s.token(), new ReplyInput().isEnd(false).data(awkward));
        assertEquals(Json.write(awkward), Json.write(c.record(s.cid()).replies.get(0).data), "the hub gives the data back as sent");
        List<String> out = new ArrayList<>();
        out.add(raw("/v1/requests/" + s.cid()));
        out.add(raw("/v1/requests/nope"));
        out.add(raw("/v1/requests?x=1"));
        return out;
    }

    private static String raw(String path) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(Hub.URL + path))
                .header("Authorization", "Bearer " + Hub.SHOP_KEY).build();
        return Client.DEFAULT_HTTP.send(r, HttpResponse.BodyHandlers.ofString()).body();
    }

    private static void roundTrips(String text) {
        String once = Json.write(Json.parse(text));
        assertEquals(once, Json.write(Json.parse(once)), "seed " + SEED);
    }

    private static void tryParse(String text) {
        Object v;
        try {
            v = Json.parse(text);
        } catch (Json.ParseException e) {
            return;
        } catch (RuntimeException | StackOverflowError e) {
            fail("seed " + SEED + ": parse(" + text + ") threw " + e, e);
            return;
        }
        roundTrips(Json.write(v));
    }

    private static String mutate(String s, Random rnd) {
        StringBuilder b = new StringBuilder(s);
        for (int n = 1 + rnd.nextInt(3); n > 0 && b.length() > 0; n--) {
            int at = rnd.nextInt(b.length());
            switch (rnd.nextInt(4)) {
                case 0: b.deleteCharAt(at); break;
                case 1: b.insert(at, "{}[],:\"\\0e-".charAt(rnd.nextInt(11))); break;
                case 2: b.setCharAt(at, (char) rnd.nextInt(128)); break;
                default: b.setLength(at);
            }
        }
        return b.toString();
    }

    private static Object value(Random rnd, int depth) {
        return value(rnd, depth, true);
    }

    /** value is a random JSON value; withSurrogates allows lone surrogates (not sendable as UTF-8). */
    private static Object value(Random rnd, int depth, boolean withSurrogates) {
        switch (depth > 4 ? rnd.nextInt(5) : rnd.nextInt(7)) {
            case 0: return null;
            case 1: return rnd.nextBoolean();
            case 2: return rnd.nextLong() >> rnd.nextInt(64);
            case 3: return rnd.nextInt(1000) + 0.25 + rnd.nextInt(5) * 0.125; // never integral: those read back as Long
            case 4: return string(rnd, withSurrogates);
            case 5: {
                List<Object> l = new ArrayList<>();
                for (int n = rnd.nextInt(5); n > 0; n--) {
                    l.add(value(rnd, depth + 1, withSurrogates));
                }
                return l;
            }
            default: {
                Map<String, Object> m = new LinkedHashMap<>();
                for (int n = rnd.nextInt(5); n > 0; n--) {
                    m.put(string(rnd, withSurrogates), value(rnd, depth + 1, withSurrogates));
                }
                return m;
            }
        }
    }

    private static String string(Random rnd, boolean withSurrogates) {
        StringBuilder b = new StringBuilder();
        for (int n = rnd.nextInt(12); n > 0; n--) {
            int kind = rnd.nextInt(5);
            if (kind == 0) {
                b.append((char) rnd.nextInt(0x20));
            } else if (kind == 1) {
                b.appendCodePoint(0x1F600 + rnd.nextInt(50));
            } else if (kind == 2 && withSurrogates) {
                b.append((char) (0xD800 + rnd.nextInt(0x800)));
            } else {
                b.append((char) (0x20 + rnd.nextInt(0x2000)));
            }
        }
        return b.toString();
    }
}
