package io.callhub.client;

/**
 * RefusedException is the hub refusing to let a subscription follow its
 * cid: a 4xx answer to the WebSocket upgrade (a bad or expired token, an
 * unknown cid, a malformed since) or a 4xx error frame for the cid.
 * Reconnecting would get the same answer, so next throws it instead. 408
 * and 429 are not refusals: next retries them.
 */
public final class RefusedException extends HubException {
    private static final long serialVersionUID = 1L;

    RefusedException(String cid, int status, String msg) {
        super(status, status, "follow " + cid + " refused: " + msg, cid);
    }

    static boolean refusal(int status) {
        return status >= 400 && status < 500 && status != 408 && status != 429;
    }
}
