import type { Clock } from '../../application/ports/clock.ts';
import type { Logger } from '../../application/ports/logger.ts';
import type { MarketDataFeed } from '../../application/ports/market-data-feed.ts';
import type { FeedStatus, MarketEvent } from '../../domain/market/market-event.ts';
import { ok, type Result } from '../../domain/result.ts';
import type { Micros } from '../../domain/values/units.ts';
import { EventQueue } from './event-queue.ts';
import { checkOptions, type BybitLiveFeedOptions, type LiveFeedOptionError, type LiveFeedSettings } from './live-feed-options.ts';
import { parseBybitFrame } from './parse.ts';
import type { FrameDecoder } from './frame-decoder.ts';
import { BybitWsClient, DEFAULT_BACKOFF, type WsStatus } from './ws-client.ts';

export { BYBIT_DEPTHS, type BybitDepth, type BybitLiveFeedOptions, type LiveFeedOptionError } from './live-feed-options.ts';

export const BYBIT_LINEAR_MAINNET = 'wss://stream.bybit.com/v5/public/linear';
export const BYBIT_LINEAR_TESTNET = 'wss://stream-testnet.bybit.com/v5/public/linear';

/** Counters since the feed started; `dropped` frames never reached the consumer. */
export interface LiveFeedStats {
  readonly received: number;
  readonly queued: number;
  readonly highWater: number;
  readonly dropped: number;
  readonly disconnects: number;
}

/** Gets every received text frame exactly as it arrived, before parsing. */
export type RawFrameListener = (text: string, recvTime: Micros) => void;

/**
 * Bybit v5 public market data for one linear symbol, live: `orderbook.{depth}.{symbol}` and
 * `publicTrade.{symbol}` over a `BybitWsClient`, which pings, reconnects with backoff and
 * resubscribes by itself. Every text frame becomes one event through `parseBybitFrame`, in receive
 * order; replies to requests (acks, pongs) arrive as `control` events. The connection's changes
 * arrive as `status` events and silence as `heartbeat` events.
 *
 * Events wait in a queue for the consumer. It is bounded by `maxQueued`: past it a received frame is
 * dropped, counted in `stats().dropped` and logged, never silently; a dropped book delta then shows
 * as a sequence gap to the book, whose resync restores it. Status events are always queued.
 *
 * The first connection failing rejects `events()` (the address or the network is wrong); after a
 * connection has once opened, every loss is retried without end until `close()`.
 */
export class BybitLiveFeed implements MarketDataFeed {
  readonly description: string;
  readonly bookTopic: string;
  readonly tradeTopic: string;
  private readonly client: BybitWsClient;
  private readonly clock: Clock;
  private readonly decode: FrameDecoder;
  private readonly logger: Logger;
  private readonly queue = new EventQueue();
  private readonly rawListeners: RawFrameListener[] = [];
  private wake: (() => void) | null = null;
  private failure: Error | null = null;
  private everConnected = false;
  private started = false;
  private closed = false;
  private closing: Promise<void> | null = null;
  private lastFrameAt = 0;
  private lastHeartbeatAt = 0;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  private resyncReason = '';
  private received = 0;
  private dropped = 0;
  private disconnects = 0;
  private lastDropLog = -Infinity;

  /** Checks the options; the only way to make a feed. */
  static create(options: BybitLiveFeedOptions): Result<BybitLiveFeed, LiveFeedOptionError> {
    const settings = checkOptions(options);
    return settings.ok ? ok(new BybitLiveFeed(options, settings.value)) : settings;
  }

  private constructor(
    options: BybitLiveFeedOptions,
    private readonly settings: LiveFeedSettings,
  ) {
    this.clock = options.clock;
    this.decode = options.decoder ?? parseBybitFrame;
    this.logger = options.logger;
    this.bookTopic = `orderbook.${options.depth}.${options.symbol}`;
    this.tradeTopic = `publicTrade.${options.symbol}`;
    this.description = `bybit:${options.url} ${this.bookTopic}`;
    this.client = new BybitWsClient(
      {
        url: options.url,
        topics: [this.bookTopic, this.tradeTopic],
        clock: options.clock,
        logger: options.logger,
        ...(options.pingIntervalMs === undefined ? {} : { pingIntervalMs: options.pingIntervalMs }),
        ...(options.pongTimeoutMs === undefined ? {} : { pongTimeoutMs: options.pongTimeoutMs }),
        backoff: options.backoff ?? DEFAULT_BACKOFF,
        ...(options.random === undefined ? {} : { random: options.random }),
      },
      { onFrame: (text, recvTime) => this.onFrame(text, recvTime), onStatus: (status) => this.onStatus(status) },
    );
  }

  /**
   * Registers a listener for every received text frame, unchanged (market frames, acknowledgements,
   * pongs, garbage alike), called before the frame is parsed and whether or not the queue takes it,
   * so that a recorder writes the stream exactly as it came. A listener must be quick and must not
   * throw: it runs inside the socket's receive path. Returns the function that removes it.
   */
  onRawFrame(listener: RawFrameListener): () => void {
    this.rawListeners.push(listener);
    return () => {
      const at = this.rawListeners.indexOf(listener);
      if (at >= 0) this.rawListeners.splice(at, 1);
    };
  }

  /** Connects on the first pull; may be iterated once. Leaving the loop early closes the feed. */
  async *events(): AsyncGenerator<MarketEvent> {
    if (this.started) throw new Error('BybitLiveFeed.events() may be iterated once');
    this.started = true;
    this.lastFrameAt = this.clock.nowMicros();
    this.client.start();
    this.armHeartbeat(this.settings.heartbeatMs);
    try {
      for (;;) {
        if (this.failure !== null) throw this.failure;
        if (this.closed) return;
        const event = this.queue.shift();
        if (event !== undefined) yield event;
        else await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      await this.close();
    }
  }

  /**
   * Resubscribes the book topic for a fresh snapshot. Requests while one is pending are ignored;
   * while the socket is down nothing is sent, as the next connection's subscription brings a snapshot.
   */
  resync(reason: string): void {
    if (this.closed || this.resyncTimer !== null) return;
    this.resyncReason = reason;
    if (!this.client.resubscribe(this.bookTopic)) {
      this.logger.info({ reason }, 'resync waits for the reconnect, whose subscription brings a snapshot');
      return;
    }
    const limit = this.settings.resyncTimeoutMs;
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = null;
      this.client.reconnect(`no snapshot within ${limit} ms of a resync (${reason})`);
    }, limit);
  }

  stats(): LiveFeedStats {
    const { received, dropped, disconnects } = this;
    return { received, queued: this.queue.length, highWater: this.queue.highWater, dropped, disconnects };
  }

  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.closed = true;
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
    if (this.resyncTimer !== null) clearTimeout(this.resyncTimer);
    this.heartbeatTimer = null;
    this.resyncTimer = null;
    this.wakeConsumer();
    this.closing = this.client.close();
    return this.closing;
  }

  private onFrame(text: string, recvTime: Micros): void {
    this.received++;
    this.lastFrameAt = recvTime;
    const listeners = this.rawListeners;
    for (let i = 0; i < listeners.length; i++) listeners[i](text, recvTime);
    const event = this.decode(text, recvTime);
    // The JSON decoder gives `book` events, the scanning decoder `gridBook` ones: either snapshot answers.
    if (this.resyncTimer !== null && (event.kind === 'book' || event.kind === 'gridBook') && event.frame.type === 'snapshot') {
      clearTimeout(this.resyncTimer);
      this.resyncTimer = null;
    }
    if (this.queue.length >= this.settings.maxQueued) {
      this.onOverflow(recvTime);
      return;
    }
    this.queue.push(event);
    this.wakeConsumer();
  }

  private onOverflow(now: Micros): void {
    this.dropped++;
    // One line a second at most: a consumer that fell this far behind would flood the log.
    if (now - this.lastDropLog < 1_000_000) return;
    this.lastDropLog = now;
    this.logger.error({ dropped: this.dropped, maxQueued: this.settings.maxQueued }, 'consumer too slow: received frames dropped');
  }

  private onStatus(status: WsStatus): void {
    switch (status.kind) {
      case 'connected':
        this.everConnected = true;
        this.pushStatus('connected', status.url);
        return;
      case 'subscribed':
        this.pushStatus('subscribed', status.topics.join(','));
        return;
      case 'subscribe_failed':
        this.pushStatus('subscribe_failed', `${status.topics.join(',')}: ${status.message}`);
        return;
      case 'resubscribed':
        this.pushStatus('resubscribed', `${status.topic}: ${this.resyncReason}`);
        return;
      case 'disconnected':
        this.onDisconnected(status.reason, status.retryInMs);
        return;
    }
  }

  private onDisconnected(reason: string, retryInMs: number): void {
    this.disconnects++;
    // The next connection subscribes the book afresh, which brings the snapshot a resync waits for.
    if (this.resyncTimer !== null) clearTimeout(this.resyncTimer);
    this.resyncTimer = null;
    if (!this.everConnected) {
      this.failure = new Error(`cannot connect to ${this.description}: ${reason}`);
      void this.close();
      return;
    }
    this.pushStatus('disconnected', `${reason}; reconnecting in ${retryInMs} ms`);
  }

  private pushStatus(status: FeedStatus, detail: string): void {
    this.queue.push({ kind: 'status', status, detail, recvTime: this.clock.nowMicros() });
    this.wakeConsumer();
  }

  /** Fires when the quiet time may reach `heartbeatMs`; a frame in between only pushes it later. */
  private armHeartbeat(delayMs: number): void {
    this.heartbeatTimer = setTimeout(() => this.onHeartbeatTimer(), Math.max(1, Math.ceil(delayMs)));
  }

  private onHeartbeatTimer(): void {
    const now = this.clock.nowMicros();
    const quietMs = (now - Math.max(this.lastFrameAt, this.lastHeartbeatAt)) / 1000;
    const every = this.settings.heartbeatMs;
    if (quietMs < every) {
      this.armHeartbeat(every - quietMs);
      return;
    }
    this.lastHeartbeatAt = now;
    this.queue.push({ kind: 'heartbeat', recvTime: now });
    this.wakeConsumer();
    this.armHeartbeat(every);
  }

  private wakeConsumer(): void {
    const wake = this.wake;
    if (wake === null) return;
    this.wake = null;
    wake();
  }
}
