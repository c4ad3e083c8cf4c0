package io.callhub.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Backoff is the wait between reconnects: from 50 ms, doubling to 5 s, each
 * wait drawn from its upper half so a restart is not a stampede.
 */
final class Backoff {
    static final Duration MIN = Duration.ofMillis(50);
    static final Duration MAX = Duration.ofSeconds(5);

    private long next = MIN.toMillis();

    /** next returns the wait before the next attempt and doubles the one after. */
    Duration next() {
        long wait = next / 2 + ThreadLocalRandom.current().nextLong(next / 2 + 1);
        next = Math.min(2 * next, MAX.toMillis());
        return Duration.ofMillis(wait);
    }

    void reset() {
        next = MIN.toMillis();
    }
}
