// One piece on purpose: the queue, the pump from the server, the acknowledgements of processed frames,
// the restart after a reconnect and the heartbeats share one state (the last sequence received, taken
// and acknowledged), which splitting would have to pass around. Consumer set-up is in consumer-setup.ts.
import { jetstream, type ConsumerMessages, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { Clock } from '../../application/ports/clock.ts';
import type { Logger } from '../../application/ports/logger.ts';
import type { MarketDataFeed } from '../../application/ports/market-data-feed.ts';
import type { MarketEvent } from '../../domain/market/market-event.ts';
import type { Micros } from '../../domain/values/units.ts';
import { jsonDecoder, type FrameDecoder } from '../bybit/frame-decoder.ts';
import { venueMicros } from '../replay/file-feed.ts';
import { hostOf, isNotFound, managerOf, openNats, type ConnectionCounters, type NatsConnection } from './connection.ts';
import type { NatsAddress } from './nats-address.ts';
import { recreateConsumer, setUpConsumer } from './consumer-setup.ts';
import { RECV_HEADER, resyncSubject } from './subjects.ts';

export interface StreamFeedOptions {
  readonly address: NatsAddress;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly decoder?: FrameDecoder;
  /** A tailing feed sends a heartbeat after this long without a frame. Default 1000 ms. */
  readonly heartbeatMs?: number;
  /** Messages asked of the server at a time. Default 512. */
  readonly batch?: number;
}

export interface StreamFeedStats {
  readonly received: number;
  /** JetStream sequence gaps seen, and the messages they skipped. */
  readonly gaps: number;
  readonly missing: number;
  /** Redelivered messages already passed on, skipped. */
  readonly duplicates: number;
  /** The stream sequence of the last frame passed on (and, for a durable, acknowledged once the next is asked for). */
  readonly lastSequence: number;
  readonly firstSequence: number;
  readonly disconnects: number;
  /** Consumers recreated after a reconnect. */
  readonly restarts: number;
}

interface Item {
  readonly event: MarketEvent;
  readonly msg: JsMsg | null;
  /** The message's stream sequence; 0 for a heartbeat or a status. */
  readonly seq: number;
}

const DECODER = new TextDecoder();

/**
 * Market data from a JetStream stream that `ladder record --publish` fills: every message one frame,
 * stamped with the receive time the recorder measured (the `Ladder-Recv-Us` header), so that the
 * frames of a stream give the same events as the same frames from a file.
 *
 * It starts where the address says (`new`: a live tail; `first`; a sequence; a time) and ends where it
 * says (`never`; `last`: the last message stored when the feed opened; a sequence). With
 * `durable=NAME` the consumer is durable: each frame is acknowledged once the consumer asks for the
 * next (it has been processed), and a restarted feed of that name goes on after the last acknowledged
 * frame, neither losing nor repeating one; the consumer is recreated at that point rather than left to
 * redeliver after its ack deadline, so that the frames come in order and at once.
 *
 * A message missing from the stream sequence (removed by retention, or never stored) is a feed gap
 * like any other: a `disconnected` status sends the book back to SYNCING, and a resync is asked.
 * While tailing, a resync publishes a request on `ladder-resync.<STREAM>`; the recorder answers by
 * resubscribing the venue's book, and the snapshot reaches every consumer through the stream. A lost
 * connection is retried without end; meanwhile heartbeats (stamped with the stream's time plus the
 * silence measured here) let the book go stale, which stops trading until frames flow again.
 */
export class NatsStreamFeed implements MarketDataFeed {
  readonly description: string;
  private readonly decode: FrameDecoder;
  private readonly heartbeatMs: number;
  private readonly batch: number;
  private readonly items: Item[] = [];
  private head = 0;
  private wake: (() => void) | null = null;
  private room: (() => void) | null = null;
  private messages: ConsumerMessages | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private failure: Error | null = null;
  private done = false;
  private closed = false;
  private closing: Promise<void> | null = null;
  private iterating = false;
  private readonly afterIteration: (() => void)[] = [];
  private lastRecv = 0;
  private lastArrival = 0;
  private lastHeartbeat = 0;
  private caughtUp = false;
  private lastResyncAsk = -Infinity;
  private received = 0;
  private gaps = 0;
  private missing = 0;
  private duplicates = 0;
  private lastSequence: number;
  private firstSequence = 0;
  /** The stream sequence of the last frame `events()` handed on. */
  private lastTaken: number;
  private generation = 0;
  private restarts = 0;

  private constructor(
    private readonly options: StreamFeedOptions,
    private readonly connection: NatsConnection,
    private readonly counters: ConnectionCounters,
    private readonly jsm: JetStreamManager,
    private consumerName: string,
    /** The last sequence to deliver; null: tail without end. */
    private readonly endSequence: number | null,
    resumeAfter: number,
  ) {
    const { address } = options;
    this.decode = options.decoder ?? jsonDecoder;
    this.heartbeatMs = options.heartbeatMs ?? 1_000;
    this.batch = options.batch ?? 512;
    this.lastSequence = resumeAfter;
    this.lastTaken = resumeAfter;
    this.description = `nats:${hostOf(address.server)}/${address.stream}${address.durable === null ? '' : ` durable ${address.durable}`}`;
  }

  /**
   * Connects, checks the stream and sets up the consumer; rejects with a message naming the server,
   * the stream or the consumer when it cannot.
   */
  static async open(options: StreamFeedOptions): Promise<NatsStreamFeed> {
    const { address, logger } = options;
    const holder: { feed: NatsStreamFeed | null } = { feed: null };
    const { connection, counters } = await openNats(address.server, {
      name: `ladder feed ${address.stream}`,
      logger,
      onEvent: (event) => {
        if (event.kind === 'reconnected') holder.feed?.restartConsumer();
      },
    });
    try {
      const jsm = await managerOf(connection);
      let lastStored: number;
      try {
        lastStored = (await jsm.streams.info(address.stream)).state.last_seq;
      } catch (error) {
        if (isNotFound(error)) throw new Error(`JetStream stream ${address.stream} not found on ${hostOf(address.server)}`);
        throw error;
      }
      const end = address.end.kind === 'never' ? null : address.end.kind === 'last' ? lastStored : address.end.sequence;
      const { name, resumeAfter } = await setUpConsumer(jsm, address, logger);
      const feed = new NatsStreamFeed(options, connection, counters, jsm, name, end, resumeAfter);
      holder.feed = feed;
      return feed;
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  get stats(): StreamFeedStats {
    const { received, gaps, missing, duplicates, lastSequence, firstSequence } = this;
    return { received, gaps, missing, duplicates, lastSequence, firstSequence, disconnects: this.counters.disconnects, restarts: this.restarts };
  }

  async *events(): AsyncGenerator<MarketEvent> {
    const { stream } = this.options.address;
    if (this.iterating || this.closing !== null) throw new Error('NatsStreamFeed.events() may be iterated once');
    this.iterating = true;
    if (this.endSequence !== null && this.endSequence <= this.lastSequence) {
      this.iterating = false;
      return await this.teardown();
    }
    let inHand: JsMsg | null = null;
    try {
      void this.pump(stream);
      if (this.endSequence === null) this.armHeartbeat(this.heartbeatMs);
      for (;;) {
        // Asked for the next event: the one in hand has been processed.
        if (inHand !== null) inHand.ack();
        inHand = null;
        if (this.failure !== null) throw this.failure;
        if (this.closed) return;
        const item = this.take();
        if (item === undefined) {
          if (this.done) return;
          await new Promise<void>((resolve) => (this.wake = resolve));
          continue;
        }
        yield item.event;
        inHand = item.msg;
      }
    } finally {
      this.closed = true;
      if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
      this.room?.();
      await this.teardown();
      this.iterating = false;
      for (const resolve of this.afterIteration.splice(0)) resolve();
    }
  }

  resync(reason: string): void {
    // Only a tail can have a fresh snapshot; a stored stream brings its next one by itself.
    if (this.endSequence !== null || !this.caughtUp || this.closed) return;
    const now = performance.now();
    if (now - this.lastResyncAsk < 5_000) return;
    this.lastResyncAsk = now;
    this.connection.publish(resyncSubject(this.options.address.stream), reason);
    this.options.logger.info({ stream: this.options.address.stream, reason }, 'asked the recorder for a fresh book');
  }

  /**
   * Stops the feed: `events()` ends when next asked (acknowledging the event in hand, which has been
   * processed), then the consumer and the connection close. Resolves once they have.
   */
  close(): Promise<void> {
    this.closed = true;
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
    this.wakeConsumer();
    this.room?.();
    if (!this.iterating) return this.teardown();
    return new Promise<void>((resolve) => this.afterIteration.push(resolve));
  }

  private teardown(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.messages?.close();
        // Acknowledgements already sent reach the server before the connection goes.
        if (!this.connection.isClosed()) await this.connection.drain();
      } catch (error) {
        this.options.logger.warn({ error: String(error) }, 'NATS feed closed with an error');
      }
    })();
    return this.closing;
  }

  /**
   * After a reconnect, messages the server sent on the lost connection may never have arrived; the
   * server would give them again only after the ack deadline, behind later ones. The consumer is
   * recreated instead, just after the last frame passed on, and the frames queued and not yet taken
   * are dropped to be delivered again in order.
   */
  restartConsumer(): void {
    if (this.closed) return;
    this.generation++;
    this.room?.();
    void this.messages?.close();
  }

  /** Moves messages from the server into the queue, waiting while the queue is full (the server keeps the rest). */
  private async pump(stream: string): Promise<void> {
    try {
      while (!this.closed) {
        const generation = this.generation;
        const consumer = await jetstream(this.connection).consumers.get(stream, this.consumerName);
        this.messages = await consumer.consume({ max_messages: this.batch });
        const restart = await this.pumpMessages(this.messages, generation);
        if (!restart || this.closed) break;
        this.items.length = 0;
        this.head = 0;
        this.lastSequence = this.lastTaken;
        this.restarts++;
        this.consumerName = await recreateConsumer(this.jsm, this.options.address, this.consumerName, this.lastTaken);
        this.options.logger.info({ stream, after: this.lastTaken, restarts: this.restarts }, 'consumer recreated after a reconnect');
      }
    } catch (error) {
      this.failure = new Error(`${this.description}: ${(error as Error).message}`);
    } finally {
      this.done = true;
      this.wakeConsumer();
    }
  }

  /** Returns true when a reconnect asks for a new consumer, false at the end asked for or at close. */
  private async pumpMessages(messages: ConsumerMessages, generation: number): Promise<boolean> {
    for await (const msg of messages) {
      if (this.closed) return false;
      if (generation !== this.generation) return true;
      this.onMessage(msg);
      const end = this.endSequence;
      // At the end asked for; or, reading to the last frame stored, at the stream's end (retention may have removed the last).
      if (end !== null && (msg.info.streamSequence >= end || (this.options.address.end.kind === 'last' && msg.info.pending === 0))) return false;
      while (this.length() >= 2 * this.batch && !this.closed && generation === this.generation) await new Promise<void>((resolve) => (this.room = resolve));
    }
    return generation !== this.generation;
  }

  private onMessage(msg: JsMsg): void {
    const seq = msg.info.streamSequence;
    if (seq <= this.lastSequence) {
      // Delivered again (the consumer was recreated at its acknowledged floor): passed on already.
      this.duplicates++;
      msg.ack();
      return;
    }
    const text = DECODER.decode(msg.data);
    const recv = recvTimeOf(msg, text, this.lastRecv);
    if (this.lastSequence > 0 && seq > this.lastSequence + 1) {
      const skipped = seq - this.lastSequence - 1;
      this.gaps++;
      this.missing += skipped;
      this.options.logger.warn({ stream: this.options.address.stream, after: this.lastSequence, next: seq, missing: skipped }, 'JetStream sequence gap: the book resyncs');
      this.push({ event: { kind: 'status', status: 'disconnected', detail: `JetStream sequence gap: ${skipped} messages after ${this.lastSequence} missing`, recvTime: recv as Micros }, msg: null, seq: 0 });
      this.caughtUp = msg.info.pending === 0;
      this.resync(`JetStream sequence gap after ${this.lastSequence}`);
    }
    if (this.firstSequence === 0) this.firstSequence = seq;
    this.lastSequence = seq;
    this.received++;
    this.lastRecv = recv;
    this.lastArrival = this.options.clock.nowMicros();
    this.caughtUp = msg.info.pending === 0;
    this.push({ event: this.decode(text, recv as Micros), msg, seq });
  }

  private push(item: Item): void {
    this.items.push(item);
    this.wakeConsumer();
  }

  private take(): Item | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head++];
    if (item.seq > 0) this.lastTaken = item.seq;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    }
    const room = this.room;
    if (room !== null && this.length() < this.batch) {
      this.room = null;
      room();
    }
    return item;
  }

  private length(): number {
    return this.items.length - this.head;
  }

  /**
   * A heartbeat after `heartbeatMs` without a frame, stamped with the stream's last receive time plus
   * the silence measured here: the book's clock stays the stream's, and a silent stream goes stale.
   */
  private armHeartbeat(delayMs: number): void {
    this.heartbeatTimer = setTimeout(() => {
      const now = this.options.clock.nowMicros();
      const since = Math.max(this.lastArrival, this.lastHeartbeat);
      const quietMs = (now - since) / 1000;
      if (quietMs >= this.heartbeatMs && this.lastRecv > 0) {
        this.lastHeartbeat = now;
        this.push({ event: { kind: 'heartbeat', recvTime: (this.lastRecv + (now - this.lastArrival)) as Micros }, msg: null, seq: 0 });
        this.armHeartbeat(this.heartbeatMs);
      } else {
        this.armHeartbeat(Math.max(1, this.heartbeatMs - quietMs));
      }
    }, Math.max(1, Math.ceil(delayMs)));
  }

  private wakeConsumer(): void {
    const wake = this.wake;
    if (wake === null) return;
    this.wake = null;
    wake();
  }
}

/** The recorder's receive time, else the frame's own venue time, else the previous frame's. */
function recvTimeOf(msg: JsMsg, text: string, previous: number): number {
  const header = msg.headers?.get(RECV_HEADER);
  if (header !== undefined && /^\d+$/.test(header)) {
    const n = Number(header);
    if (Number.isSafeInteger(n)) return n;
  }
  return venueMicros(text) ?? previous;
}
