/**
 * The Java client of callhub, for Java 11 and later, with no dependencies.
 *
 * <p>Callers send requests and follow their replies:
 *
 * <pre>
 * Client hub = new Client("http://127.0.0.1:8888", "shop-key");
 * Answer a = hub.send(new Request("echo", "/async").method("POST").async(true));
 * try (Subscription sub = hub.follow(a.cid, a.wsToken, "")) {
 *     for (Reply r = sub.next(Duration.ofMinutes(1)); ; r = sub.next(Duration.ofMinutes(1))) {
 *         handle(r);          // in offset order, none lost, none repeated
 *         if (r.isEnd) break; // a further next throws EOFException
 *     }
 * }
 * </pre>
 *
 * <p>{@link io.callhub.client.Subscription#next} reconnects after any
 * disconnect, with jittered backoff, and resumes after the last offset it
 * returned. It gives up only when the hub refuses the subscription
 * ({@link io.callhub.client.RefusedException}), after close, or when its
 * timeout passes.
 *
 * <p>Services read the Callhub-* headers of a forwarded request with
 * {@link io.callhub.client.Incoming#from} and reply through its
 * {@link io.callhub.client.Responder}, JSON or with a file. Callback
 * receivers check the Standard Webhooks signature of each callback with
 * {@link io.callhub.client.Webhook#verify}. Every refusal of the hub is a
 * {@link io.callhub.client.HubException} with its status, code, message and
 * the fields it names. {@link io.callhub.client.Json} reads and writes the
 * JSON.
 *
 * <p>It mirrors the Go SDK (api/hubclient): Send, Follow, Next, Reply,
 * ReplyFile, FromRequest, Responder and VerifyWebhook are send, follow,
 * next, reply, replyFile, Incoming.from, Responder and Webhook.verify.
 */
package io.callhub.client;
