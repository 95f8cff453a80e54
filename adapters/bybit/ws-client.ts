import WebSocket, { type RawData } from 'ws';
import type { Clock } from '../../application/ports/clock.ts';
import type { Logger } from '../../application/ports/logger.ts';
import type { Micros } from '../../domain/values/units.ts';

/** Reconnect delays: attempt k waits a uniform random time in [0, min(maxMs, initialMs * 2^k)) ("full jitter"). */
export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export interface BybitWsClientOptions {
  /** e.g. `wss://stream.bybit.com/v5/public/linear`. */
  readonly url: string;
  /** Topics subscribed on every connection, e.g. `orderbook.50.BTCUSDT`. */
  readonly topics: readonly string[];
  readonly clock: Clock;
  readonly logger: Logger;
  /** Bybit asks for a `ping` op about every 20 s; without one it drops the connection. */
  readonly pingIntervalMs?: number;
  /** A ping or subscription left unanswered this long means the socket is dead. */
  readonly pongTimeoutMs?: number;
  /** Time allowed for the opening handshake. */
  readonly connectTimeoutMs?: number;
  readonly backoff?: Backoff;
  /** Uniform in [0, 1): the jitter source, injected so that tests know the delays. */
  readonly random?: () => number;
}

/** A change of the connection, reported to the listener as it happens. */
export type WsStatus =
  | { readonly kind: 'connected'; readonly url: string }
  /** Every topic of the connection was acknowledged with success. */
  | { readonly kind: 'subscribed'; readonly topics: readonly string[] }
  /** The venue refused a subscribe request; `message` is its `ret_msg`. */
  | { readonly kind: 'subscribe_failed'; readonly topics: readonly string[]; readonly message: string }
  /** An unsubscribe and a subscribe were sent for `topic`, which makes Bybit send a fresh snapshot. */
  | { readonly kind: 'resubscribed'; readonly topic: string }
  /** The socket closed, failed to open or was judged dead; a new attempt starts in `retryInMs`. */
  | { readonly kind: 'disconnected'; readonly reason: string; readonly retryInMs: number };

export interface WsClientListener {
  /** Every received text frame, unchanged, with its local receive time. */
  onFrame(text: string, recvTime: Micros): void;
  onStatus(status: WsStatus): void;
}

type Op = 'subscribe' | 'unsubscribe' | 'ping';

interface Pending {
  readonly op: Op;
  readonly topics: readonly string[];
  /** Part of the subscriptions sent on opening, after which `subscribed` is reported. */
  readonly initial: boolean;
  /** `performance.now()` by which the reply must have come, ms. */
  readonly dueAt: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000 };

/** Delay before reconnect attempt `attempt` (0 for the first after a good connection). */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number): number {
  return Math.floor(random() * Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt));
}

/**
 * The socket to Bybit's v5 public stream (https://bybit-exchange.github.io/docs/v5/ws/connect):
 * connection I/O only, parsing is the listener's. It subscribes its topics on every connection,
 * one request a topic so that a refusal names its topic, and checks each acknowledgement by its
 * `req_id`. It sends `{"op":"ping"}` every `pingIntervalMs`; any request left unanswered for
 * `pongTimeoutMs` marks the socket dead, and it is dropped. Every loss of the socket leads to a new
 * attempt after a capped exponential delay with full jitter; the attempt count restarts once a
 * connection has had all its subscriptions answered. `close()` clears every timer.
 */
export class BybitWsClient {
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly backoff: Backoff;
  private readonly random: () => number;
  private socket: WebSocket | null = null;
  private opened = false;
  private lastError: string | null = null;
  private attempt = 0;
  private requestId = 0;
  private readonly pending = new Map<string, Pending>();
  private initialLeft = 0;
  private initialFailed = false;
  private pingTimer: NodeJS.Timeout | null = null;
  private replyTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private started = false;
  private closed = false;

  constructor(
    private readonly options: BybitWsClientOptions,
    private readonly listener: WsClientListener,
  ) {
    this.pingIntervalMs = options.pingIntervalMs ?? 20_000;
    this.pongTimeoutMs = options.pongTimeoutMs ?? 10_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.random = options.random ?? Math.random;
  }

  /** Opens the first connection; later ones open by themselves until `close()`. */
  start(): void {
    if (this.started) throw new Error('BybitWsClient.start() called twice');
    this.started = true;
    this.connect();
  }

  /** The socket is open and its subscriptions sent. */
  get isOpen(): boolean {
    return this.socket !== null && this.opened;
  }

  /**
   * Unsubscribes and subscribes `topic` again so that Bybit sends a fresh snapshot. Returns false,
   * sending nothing, while the socket is down: the next connection subscribes afresh anyway.
   */
  resubscribe(topic: string): boolean {
    if (!this.options.topics.includes(topic)) throw new Error(`resubscribe of a topic never subscribed: ${topic}`);
    if (!this.isOpen) return false;
    this.request('unsubscribe', [topic], false);
    this.request('subscribe', [topic], false);
    this.listener.onStatus({ kind: 'resubscribed', topic });
    return true;
  }

  /** Drops the socket as dead and reconnects; does nothing while a reconnect is already waiting. */
  reconnect(reason: string): void {
    if (this.socket !== null) this.drop(reason);
  }

  /** Closes the socket and clears every timer; resolves once the socket has closed. */
  close(): Promise<void> {
    this.closed = true;
    this.clearTimers();
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket === null || socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      // A peer that never answers the closing handshake is cut off after a second.
      const cutoff = setTimeout(() => socket.terminate(), 1000);
      socket.once('close', () => {
        clearTimeout(cutoff);
        resolve();
      });
      if (socket.readyState === WebSocket.OPEN) socket.close(1000, 'client closing');
      else socket.terminate();
    });
  }

  private connect(): void {
    this.retryTimer = null;
    if (this.closed) return;
    this.opened = false;
    this.lastError = null;
    const socket = new WebSocket(this.options.url, { handshakeTimeout: this.connectTimeoutMs, perMessageDeflate: false });
    this.socket = socket;
    socket.on('open', () => {
      if (socket === this.socket) this.onOpen(socket);
    });
    socket.on('message', (data: RawData) => {
      if (socket === this.socket) this.onMessage(data);
    });
    socket.on('error', (error: Error) => {
      if (socket === this.socket) this.lastError = error.message;
    });
    socket.on('close', (code: number, reason: Buffer) => {
      if (socket !== this.socket) return;
      const why = reason.length > 0 ? `: ${reason.toString()}` : '';
      const closedBy = this.opened ? `socket closed (code ${code}${why})` : 'connection failed';
      this.lost(this.lastError === null ? closedBy : `${closedBy}: ${this.lastError}`);
    });
  }

  private onOpen(socket: WebSocket): void {
    this.opened = true;
    this.options.logger.info({ url: this.options.url }, 'bybit socket open');
    this.listener.onStatus({ kind: 'connected', url: this.options.url });
    if (socket !== this.socket) return;
    const topics = this.options.topics;
    this.initialLeft = topics.length;
    this.initialFailed = false;
    if (topics.length === 0) this.attempt = 0;
    for (const topic of topics) this.request('subscribe', [topic], true);
    this.pingTimer = setInterval(() => this.request('ping', [], false), this.pingIntervalMs);
  }

  private onMessage(data: RawData): void {
    const recvTime = this.options.clock.nowMicros();
    const text = textOf(data);
    this.listener.onFrame(text, recvTime);
    // Only replies to requests carry "op"; market frames (topic, type, ts, data) never do, so the
    // frames that stream all day are not parsed twice.
    if (text.includes('"op"')) this.onReply(text);
  }

  private onReply(text: string): void {
    let reply: unknown;
    try {
      reply = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof reply !== 'object' || reply === null) return;
    const { op, req_id: reqId, success, ret_msg: message } = reply as Record<string, unknown>;
    const id = typeof reqId === 'string' ? reqId : null;
    if (op === 'pong' || op === 'ping') {
      // Linear answers a ping with `op: "ping"` and its req_id; spot with `op: "pong"` and no req_id.
      if (id !== null) this.answered(id);
      else for (const [key, p] of this.pending) if (p.op === 'ping') this.answered(key);
      return;
    }
    if (op !== 'subscribe' && op !== 'unsubscribe') return;
    const request = id === null ? undefined : this.pending.get(id);
    if (id === null || request === undefined) {
      this.options.logger.warn({ op, reqId }, 'bybit reply to no pending request');
      return;
    }
    this.answered(id);
    const refused = success === false;
    const retMsg = typeof message === 'string' ? message : '';
    if (refused && op === 'subscribe') {
      this.options.logger.error({ topics: request.topics, message: retMsg }, 'bybit refused a subscription');
      this.listener.onStatus({ kind: 'subscribe_failed', topics: request.topics, message: retMsg });
    } else if (refused) {
      this.options.logger.warn({ topics: request.topics, message: retMsg }, 'bybit refused an unsubscribe');
    }
    if (!request.initial) return;
    if (refused) this.initialFailed = true;
    if (--this.initialLeft > 0) return;
    // Every subscription of this connection was answered: the connection works, so the next loss
    // starts the backoff from its first step again.
    this.attempt = 0;
    if (!this.initialFailed) this.listener.onStatus({ kind: 'subscribed', topics: this.options.topics });
  }

  private request(op: Op, topics: readonly string[], initial: boolean): void {
    const socket = this.socket;
    if (socket === null || socket.readyState !== WebSocket.OPEN) return;
    const id = `${op}-${++this.requestId}`;
    this.pending.set(id, { op, topics, initial, dueAt: performance.now() + this.pongTimeoutMs });
    socket.send(op === 'ping' ? JSON.stringify({ req_id: id, op }) : JSON.stringify({ req_id: id, op, args: topics }));
    this.replyTimer ??= setTimeout(() => this.onReplyTimeout(), this.pongTimeoutMs);
  }

  /** Forgets an answered request; the deadline moves to the oldest request still waiting. */
  private answered(id: string): void {
    if (!this.pending.delete(id)) return;
    if (this.replyTimer !== null) clearTimeout(this.replyTimer);
    const oldest = this.oldestPending();
    this.replyTimer = oldest === undefined ? null : setTimeout(() => this.onReplyTimeout(), Math.max(0, oldest.dueAt - performance.now()));
  }

  /** A Map iterates in insertion order: its first entry is the oldest request. */
  private oldestPending(): Pending | undefined {
    return this.pending.values().next().value;
  }

  private onReplyTimeout(): void {
    this.replyTimer = null;
    const op = this.oldestPending()?.op ?? 'ping';
    this.drop(`no ${op === 'ping' ? 'pong' : `${op} acknowledgement`} within ${this.pongTimeoutMs} ms`);
  }

  /** Abandons the current socket at once (no closing handshake: it is judged dead) and reconnects. */
  private drop(reason: string): void {
    const socket = this.socket;
    if (socket === null) return;
    this.socket = null;
    socket.terminate();
    this.lost(reason);
  }

  /** The current socket is gone, by its own close or by `drop`; later events of it are ignored. */
  private lost(reason: string): void {
    this.socket = null;
    this.clearTimers();
    if (this.closed) return;
    const delay = backoffDelay(this.attempt++, this.backoff, this.random);
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.options.logger.warn({ url: this.options.url, reason, retryInMs: delay }, 'bybit socket lost');
    this.listener.onStatus({ kind: 'disconnected', reason, retryInMs: delay });
  }

  private clearTimers(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    if (this.replyTimer !== null) clearTimeout(this.replyTimer);
    this.pingTimer = null;
    this.replyTimer = null;
    this.pending.clear();
    this.opened = false;
  }
}

/** A text frame as a string; `ws` hands over a Buffer unless the binary type was changed. */
function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString();
  return Array.isArray(data) ? Buffer.concat(data).toString() : Buffer.from(data).toString();
}
