import { headers, type Subscription } from '@nats-io/transport-node';
import { jetstream, RetentionPolicy, StorageType, type JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from '../../application/ports/logger.ts';
import type { Micros } from '../../domain/values/units.ts';
import { ensureStream, hostOf, managerOf, openNats, type ConnectionCounters, type NatsConnection } from './connection.ts';
import { frameSubject, RECV_HEADER, resyncSubject, streamSubjects } from './subjects.ts';

export interface FramePublisherOptions {
  /** `HOST:PORT` of the NATS server. */
  readonly server: string;
  readonly stream: string;
  /** The first tokens of every subject: `bybit`, `linear`. */
  readonly venue: string;
  readonly category: string;
  /** Frames older than this are removed by the server; null keeps them (up to `maxBytes`). */
  readonly maxAgeMs: number | null;
  /** The stream keeps at most this many bytes, the oldest frames going first; null: no bound. */
  readonly maxBytes: number | null;
  readonly logger: Logger;
  /** Frames sent and not yet acknowledged by the server beyond which new frames are dropped. Default 10,000. */
  readonly maxInFlight?: number;
  /** How long a publish waits for the server's acknowledgement. Default 10 s. */
  readonly ackTimeoutMs?: number;
}

export interface PublisherStats {
  /** Frames the server acknowledged as stored. */
  readonly published: number;
  /** Frames sent whose acknowledgement did not come (a lost connection, a timeout): perhaps stored, perhaps not. */
  readonly unconfirmed: number;
  /** Frames not sent because too many were waiting for the server. */
  readonly dropped: number;
  readonly inFlight: number;
  readonly disconnects: number;
  /** Requests for a fresh book received from the stream's consumers. */
  readonly resyncRequests: number;
}

/**
 * Publishes received frames to a JetStream stream, one message a frame: the text exactly as received
 * (UTF-8) as the body, the receive time in the `Ladder-Recv-Us` header, on the subject of the frame's
 * topic (see subjects.ts). The stream is created when absent (file storage, limits retention by
 * `maxAgeMs` and `maxBytes`).
 *
 * `publish()` returns at once, as the recorder's `write()` does: frames are sent in order over one
 * connection, and the server stores them in that order. While the connection is down the client keeps
 * what is sent and delivers it after reconnecting; acknowledgements that do not come in time are
 * counted as `unconfirmed`, and past `maxInFlight` waiting frames a frame is dropped and counted. A
 * frame missing from the stream shows to consumers as a sequence gap of the book, which resyncs.
 */
export class NatsFramePublisher {
  private readonly maxInFlight: number;
  private readonly ackTimeoutMs: number;
  private readonly js: JetStreamClient;
  private inFlight = 0;
  private published = 0;
  private unconfirmed = 0;
  private dropped = 0;
  private resyncRequests = 0;
  private idle: (() => void) | null = null;
  private resyncSubscription: Subscription | null = null;
  private lastFailureLog = -Infinity;

  private constructor(
    private readonly options: FramePublisherOptions,
    private readonly connection: NatsConnection,
    private readonly counters: ConnectionCounters,
  ) {
    this.maxInFlight = options.maxInFlight ?? 10_000;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.js = jetstream(connection);
  }

  /** Connects and makes sure the stream exists; rejects with a message naming the server or the stream. */
  static async open(options: FramePublisherOptions): Promise<NatsFramePublisher> {
    const { connection, counters } = await openNats(options.server, { name: `ladder record ${options.stream}`, logger: options.logger });
    try {
      const jsm = await managerOf(connection);
      await ensureStream(jsm, {
        name: options.stream,
        subjects: streamSubjects(options.stream),
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        // Limits not given leave an existing stream's as they are (a new one keeps everything).
        ...(options.maxAgeMs === null ? {} : { max_age: options.maxAgeMs * 1_000_000 }),
        ...(options.maxBytes === null ? {} : { max_bytes: options.maxBytes }),
      });
    } catch (error) {
      await connection.close();
      throw error;
    }
    return new NatsFramePublisher(options, connection, counters);
  }

  get description(): string {
    return `nats://${hostOf(this.options.server)}/${this.options.stream}`;
  }

  get stats(): PublisherStats {
    const { published, unconfirmed, dropped, inFlight, resyncRequests } = this;
    return { published, unconfirmed, dropped, inFlight, disconnects: this.counters.disconnects, resyncRequests };
  }

  /** Takes one frame as received; returns at once. */
  publish(text: string, recvTime: Micros): void {
    if (this.inFlight >= this.maxInFlight || this.connection.isClosed()) {
      this.dropped++;
      this.logFailure('too many frames waiting for the NATS server: frames dropped');
      return;
    }
    const h = headers();
    h.set(RECV_HEADER, String(recvTime));
    this.inFlight++;
    const subject = frameSubject(this.options.stream, this.options.venue, this.options.category, text);
    this.js
      .publish(subject, text, { headers: h, timeout: this.ackTimeoutMs })
      .then(
        () => {
          this.published++;
        },
        (error: unknown) => {
          this.unconfirmed++;
          this.logFailure(`a frame's publish was not acknowledged: ${(error as Error).message}`);
        },
      )
      .finally(() => {
        this.inFlight--;
        if (this.inFlight === 0) this.idle?.();
      });
  }

  /**
   * Calls `listener` for each consumer's request for a fresh book (see `resyncSubject`); the recorder
   * answers by resubscribing the venue's book topic.
   */
  onResyncRequest(listener: (reason: string) => void): void {
    this.resyncSubscription = this.connection.subscribe(resyncSubject(this.options.stream), {
      callback: (error, msg) => {
        if (error !== null) return;
        this.resyncRequests++;
        listener(msg.string());
      },
    });
  }

  /** Waits until every frame sent has been acknowledged (or counted unconfirmed). */
  async flush(): Promise<void> {
    while (this.inFlight > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    this.idle = null;
  }

  async close(): Promise<void> {
    this.resyncSubscription?.unsubscribe();
    await this.flush();
    if (!this.connection.isClosed()) await this.connection.drain();
  }

  /** One line a second at most: an outage would otherwise log every frame. */
  private logFailure(message: string): void {
    const now = performance.now();
    if (now - this.lastFailureLog < 1_000) return;
    this.lastFailureLog = now;
    this.options.logger.error({ stream: this.options.stream, unconfirmed: this.unconfirmed, dropped: this.dropped, inFlight: this.inFlight }, message);
  }
}
