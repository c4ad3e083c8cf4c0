// Type declarations of callhub.js, the JavaScript client of callhub.

/** A reply of a cid, as the hub pushes it. */
export interface Reply {
  type: "reply";
  cid: string;
  seq: number;
  isEnd: boolean;
  code: number;
  msg: string;
  /** What the service replied, if anything. */
  data?: unknown;
  /** A file the reply carries; download it from url. */
  file?: FileRef;
  /** Increases within a cid: "<ms>-<n>". Resume after it with since. */
  offset: string;
  /** When the hub stored the reply (RFC 3339). */
  at: string;
}

export interface FileRef {
  id: string;
  name: string;
  size: number;
  sha256: string;
  url: string;
}

/** A request to send through the hub (POST /v1/requests). */
export interface Request {
  serviceId: string;
  method?: string;
  path: string;
  query?: Record<string, unknown>;
  form?: Record<string, unknown>;
  body?: unknown;
  headers?: Record<string, string>;
  async?: boolean;
  callback?: {
    url: string;
    method?: "POST" | "GET";
    /** "unacked": call a reply back only if nobody acknowledged it (ack) within afterMs. Async only. */
    when?: "always" | "unacked";
    /** With when "unacked": how long to wait for an acknowledgement, 0 to 3600000 ms; default 5000. */
    afterMs?: number;
  };
  cid?: string;
  seq?: number;
  isEnd?: boolean;
  timeoutMs?: number;
}

/** The hub's answer to a request. */
export interface Answer {
  code: number;
  msg: string;
  cid: string;
  seq: number;
  /** The service's HTTP status, for a sync request. */
  status?: number;
  data?: unknown;
  /** For an async request: lets a browser follow this cid without a key. */
  wsToken?: string;
}

/** What send rejects with when the hub answers an HTTP error. */
export interface HubError extends Error {
  status: number;
  body: { code: number; msg: string; [field: string]: unknown };
}

export type State = "connecting" | "open" | "reconnecting" | "idle" | "closed";

export type Transport = "auto" | "websocket" | "sse";

/** The subset of the WebSocket API the client uses. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: string }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number): void;
}

export interface Options {
  /** A caller key, for send and for Server-Sent Events. None in dev mode. */
  key?: string;
  /** Hears every state change of the connection. */
  onState?: (state: State) => void;
  /** "auto" (default): WebSocket, falling back to Server-Sent Events. */
  transport?: Transport;
  /** The WebSocket constructor; defaults to the global one; null for none. */
  WebSocket?: (new (url: string) => WebSocketLike) | null;
  /** The fetch function; defaults to the global one. */
  fetch?: typeof fetch;
}

export interface SubscribeOptions {
  /** The wsToken of the request's answer. */
  token?: string;
  /** Resume after this offset; "" replays every stored reply. */
  since?: string;
  /** Each reply once, in order. */
  onReply?: (reply: Reply) => void;
  onState?: (state: State) => void;
  /** The hub refused (4xx: the cid is then forgotten) or failed this cid. */
  onError?: (err: { code: number; msg: string }) => void;
  /** Acknowledge each reply as it arrives (see CallHub.ack). Default false. */
  autoAck?: boolean;
}

export class CallHub {
  constructor(baseURL: string | URL, options?: Options);
  readonly base: string;
  readonly key: string;
  readonly state: State;
  /** The transport in use: "auto" resolves to one of these. */
  readonly transport: "websocket" | "sse";
  /** Rejects with a HubError on an HTTP error. */
  send(request: Request): Promise<Answer>;
  subscribe(cid: string, options?: SubscribeOptions): void;
  unsubscribe(cid: string): void;
  /**
   * Acknowledges every reply of cid up to offset over the WebSocket (the
   * client's, or one of its own when none is open); false when it cannot
   * be sent (no WebSocket constructor, or a closed client). Throws a
   * TypeError for a malformed offset.
   */
  ack(cid: string, offset: string): boolean;
  close(): void;
}

/** Whether offset a comes after offset b ("" is before every offset). */
export function newer(a: string, b: string): boolean;

export default CallHub;
