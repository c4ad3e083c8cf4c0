package io.callhub.client;

import java.io.IOException;

/** SubscriptionClosedException is what next throws after close. */
public final class SubscriptionClosedException extends IOException {
    private static final long serialVersionUID = 1L;

    SubscriptionClosedException() {
        super("callhub: subscription closed");
    }
}
