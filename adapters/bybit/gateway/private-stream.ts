import { createHmac } from 'node:crypto';
import { WebSocket, type RawData } from 'ws';
import type { Logger } from '../../../application/ports/logger.ts';

export const PRIVATE_WS_URLS = {
  testnet: 'wss://stream-testnet.bybit.com/v5/private',
  mainnet: 'wss://stream.bybit.com/v5/private',
} as const;

/** Bybit closes a private connection silent for 30 s; it asks for a ping every 20 s. */
export const PING_EVERY_MS = 20_000;
/** How long auth plus subscribe may take before the connection is dropped and tried again. */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Reconnect delays double from the first to the last. */
const BACKOFF_MS = { first: 100, last: 5_000 };
/** How long an auth signature stays valid (`expires` is now plus this). */
const AUTH_VALID_MS = 10_000;

/** `{"op":"auth","args":[apiKey, expires, signature]}`: hex HMAC-SHA256 of "GET/realtime" + expires. */
export function wsAuthArgs(apiKey: string, apiSecret: string, expiresMs: number): [string, number, string] {
  const signature = createHmac('sha256', apiSecret).update(`GET/realtime${expiresMs}`).digest('hex');
  return [apiKey, expiresMs, signature];
}

/** A frame's text, whichever of ws's buffer shapes it came in. */
export function rawText(raw: RawData): string {
  return (Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer)).toString('utf8');
}

export interface PrivateStreamOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly topics: readonly string[];
  readonly logger: Logger;
  /** Wall time in ms for `expires`. */
  readonly nowMs: () => number;
  /** Each data message: its topic and its items. */
  readonly onData: (topic: string, items: readonly Record<string, unknown>[]) => void;
  /** After every successful auth and subscribe: the first connection and every reconnection. */
  readonly onReady: (reconnect: boolean) => void;
  /** A connection that was ready has gone; a reconnection follows unless closed. */
  readonly onDown?: () => void;
}

/**
 * Bybit v5 private stream: connect, authenticate, subscribe, ping every 20 s, and reconnect with
 * backoff when the connection drops, until `close`. Messages are handled synchronously in arrival order.
 */
export class PrivateStream {
  private socket: WebSocket | null = null;
  private ping: ReturnType<typeof setInterval> | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private attempts = 0;
  private readyOnce = false;
  /** The current connection has authenticated and subscribed. */
  private ready = false;
  private firstReady: { resolve: () => void; reject: (e: Error) => void } | null = null;

  constructor(private readonly options: PrivateStreamOptions) {}

  /** Resolves after the first auth and subscribe; rejects when the first auth is refused. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.firstReady = { resolve, reject };
      this.connect();
    });
  }

  /** Drops the current connection as if the network had; it reconnects. For tests and for a stale feed. */
  drop(): void {
    this.socket?.terminate();
  }

  close(): void {
    this.closed = true;
    if (this.retry !== null) clearTimeout(this.retry);
    this.stopPing();
    this.socket?.terminate();
    this.socket = null;
  }

  private connect(): void {
    if (this.closed) return;
    const ws = new WebSocket(this.options.url);
    this.socket = ws;
    let handshake: ReturnType<typeof setTimeout> | null = setTimeout(() => ws.terminate(), HANDSHAKE_TIMEOUT_MS);
    const endHandshake = (): void => {
      if (handshake !== null) clearTimeout(handshake);
      handshake = null;
    };
    ws.on('open', () => {
      const args = wsAuthArgs(this.options.apiKey, this.options.apiSecret, this.options.nowMs() + AUTH_VALID_MS);
      ws.send(JSON.stringify({ op: 'auth', args }));
    });
    ws.on('message', (raw) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(rawText(raw)) as Record<string, unknown>;
      } catch {
        this.options.logger.warn({ venue: 'bybit' }, 'private stream sent a message that is not JSON');
        return;
      }
      if (msg.op === 'auth') {
        if (msg.success !== true) {
          endHandshake();
          this.fail(new Error(`Bybit private stream refused authentication: ${typeof msg.ret_msg === 'string' ? msg.ret_msg : ''}`));
          ws.terminate();
          return;
        }
        ws.send(JSON.stringify({ op: 'subscribe', args: this.options.topics }));
      } else if (msg.op === 'subscribe') {
        endHandshake();
        if (msg.success !== true) {
          this.options.logger.error({ venue: 'bybit', retMsg: msg.ret_msg }, 'private stream refused the subscription');
          ws.terminate();
          return;
        }
        this.attempts = 0;
        this.ready = true;
        this.startPing(ws);
        const reconnect = this.readyOnce;
        this.readyOnce = true;
        this.firstReady?.resolve();
        this.firstReady = null;
        this.options.onReady(reconnect);
      } else if (typeof msg.topic === 'string' && Array.isArray(msg.data)) {
        this.options.onData(msg.topic, msg.data as Record<string, unknown>[]);
      }
    });
    ws.on('error', (e) => this.options.logger.warn({ venue: 'bybit', error: e.message }, 'private stream error'));
    ws.on('close', () => {
      endHandshake();
      this.stopPing();
      if (this.socket === ws) this.socket = null;
      if (this.ready) {
        this.ready = false;
        if (!this.closed) this.options.onDown?.();
      }
      if (this.closed) return;
      if (this.firstReady !== null && this.attempts >= 3) {
        this.fail(new Error('Bybit private stream: could not connect'));
        return;
      }
      const delay = Math.min(BACKOFF_MS.first * 2 ** this.attempts, BACKOFF_MS.last);
      this.attempts++;
      this.options.logger.warn({ venue: 'bybit', attempt: this.attempts, delayMs: delay }, 'private stream disconnected, reconnecting');
      this.retry = setTimeout(() => {
        this.retry = null;
        this.connect();
      }, delay);
    });
  }

  private fail(e: Error): void {
    if (this.firstReady === null) {
      this.options.logger.error({ venue: 'bybit', error: e.message }, 'private stream failed');
      return;
    }
    this.closed = true;
    this.firstReady.reject(e);
    this.firstReady = null;
  }

  private startPing(ws: WebSocket): void {
    this.stopPing();
    this.ping = setInterval(() => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ op: 'ping' }));
    }, PING_EVERY_MS);
  }

  private stopPing(): void {
    if (this.ping !== null) clearInterval(this.ping);
    this.ping = null;
  }
}
