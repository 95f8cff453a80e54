import { AckPolicy, jetstream, RetentionPolicy, StorageType, type Consumer, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { Logger } from '../../application/ports/logger.ts';
import { ensureStream, isNotFound, managerOf, openNats, type NatsConnection } from './connection.ts';

/** The work-queue stream `ladder sweep` and `ladder worker` use when the address names none. */
export const DEFAULT_QUEUE_STREAM = 'LADDER_SWEEPS';
/** The one pull consumer every worker shares: each job goes to one worker at a time. */
export const WORKERS_CONSUMER = 'workers';
export const DEFAULT_ACK_WAIT_MS = 30_000;
/** A job is delivered at most this often; after that it stays in the queue's advisory count, undone. */
export const MAX_DELIVER = 5;

export interface WorkQueueOptions {
  /** `HOST:PORT` of the NATS server. */
  readonly server: string;
  readonly stream: string;
  readonly logger: Logger;
  /** Used when this call creates the consumer, or given explicitly to change it; null keeps what exists. */
  readonly ackWaitMs: number | null;
  readonly name: string;
}

export interface QueueProgress {
  /** Jobs not yet delivered to any worker. */
  readonly waiting: number;
  /** Jobs delivered and not acknowledged: in work, or held by a worker that died (until the ack deadline). */
  readonly inProgress: number;
  /** Deliveries beyond the first so far (jobs given again after their deadline passed). */
  readonly redelivered: number;
  readonly ackWaitMs: number;
}

/** A job taken from the queue: acknowledge it when its result is stored. */
export interface QueuedJob {
  readonly text: string;
  /** 1 on the first delivery; more when an earlier worker did not acknowledge it in time. */
  readonly delivery: number;
  /** Tells the server the job is still in work, every third of the ack deadline, until the returned function is called. */
  keepAlive(): () => void;
  /** Acknowledges and waits for the server to confirm: the job leaves the queue. */
  ack(): Promise<void>;
  /** Gives the job back, to be delivered again after `delayMs`. */
  retryLater(delayMs: number): void;
}

/**
 * A JetStream work queue for sweep jobs: a stream with work-queue retention (a job leaves it when
 * acknowledged), subject `<STREAM>.jobs`, and one durable pull consumer shared by every worker with
 * explicit acknowledgement. A worker that dies holding a job never acknowledges it: the job is
 * delivered again, to any worker, once the ack deadline passes (in-progress heartbeats hold it while
 * its worker lives). Publishing carries the job's id as the message id, so publishing a sweep twice
 * within the stream's duplicate window (two minutes) adds no job twice.
 */
export class NatsWorkQueue {
  private readonly js: JetStreamClient;

  private constructor(
    private readonly connection: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    private readonly consumer: Consumer,
    readonly ackWaitMs: number,
  ) {
    this.js = jetstream(connection);
  }

  /** Connects and makes sure the stream and its consumer exist; rejects naming the server or the stream. */
  static async open(options: WorkQueueOptions): Promise<NatsWorkQueue> {
    const { connection } = await openNats(options.server, { name: options.name, logger: options.logger });
    try {
      const jsm = await managerOf(connection);
      const subject = `${options.stream}.jobs`;
      await ensureStream(jsm, { name: options.stream, subjects: [subject], retention: RetentionPolicy.Workqueue, storage: StorageType.File });
      const ackWaitMs = await ensureConsumer(jsm, options.stream, subject, options.ackWaitMs);
      const consumer = await jetstream(connection).consumers.get(options.stream, WORKERS_CONSUMER);
      return new NatsWorkQueue(connection, jsm, options.stream, consumer, ackWaitMs);
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  /** Publishes one job; false when the server already had a message of that id (a duplicate). */
  async publish(id: string, text: string): Promise<boolean> {
    const ack = await this.js.publish(`${this.stream}.jobs`, text, { msgID: id });
    return !ack.duplicate;
  }

  /** Waits up to `waitMs` for a job; null when none came. */
  async next(waitMs: number): Promise<QueuedJob | null> {
    const msg = await this.consumer.next({ expires: Math.max(1_000, waitMs) });
    return msg === null ? null : queuedJob(msg, this.ackWaitMs);
  }

  async progress(): Promise<QueueProgress> {
    const info = await this.jsm.consumers.info(this.stream, WORKERS_CONSUMER);
    return { waiting: info.num_pending, inProgress: info.num_ack_pending, redelivered: info.num_redelivered, ackWaitMs: this.ackWaitMs };
  }

  async close(): Promise<void> {
    if (!this.connection.isClosed()) await this.connection.drain();
  }
}

function queuedJob(msg: JsMsg, ackWaitMs: number): QueuedJob {
  return {
    text: msg.string(),
    delivery: msg.info.deliveryCount,
    keepAlive: () => {
      const timer = setInterval(() => msg.working(), Math.max(200, Math.floor(ackWaitMs / 3)));
      return () => clearInterval(timer);
    },
    ack: async () => {
      await msg.ackAck();
    },
    retryLater: (delayMs) => msg.nak(delayMs),
  };
}

/** Creates the workers' consumer, or changes its ack deadline when one is given; returns the deadline in force. */
async function ensureConsumer(jsm: JetStreamManager, stream: string, subject: string, ackWaitMs: number | null): Promise<number> {
  try {
    const info = await jsm.consumers.info(stream, WORKERS_CONSUMER);
    const current = Math.round((info.config.ack_wait ?? DEFAULT_ACK_WAIT_MS * 1_000_000) / 1_000_000);
    if (ackWaitMs === null || ackWaitMs === current) return current;
    await jsm.consumers.update(stream, WORKERS_CONSUMER, { ack_wait: ackWaitMs * 1_000_000 });
    return ackWaitMs;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const wait = ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
  await jsm.consumers.add(stream, {
    durable_name: WORKERS_CONSUMER,
    filter_subject: subject,
    ack_policy: AckPolicy.Explicit,
    ack_wait: wait * 1_000_000,
    max_deliver: MAX_DELIVER,
    max_ack_pending: 1_000,
  });
  return wait;
}
