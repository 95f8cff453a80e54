import { AckPolicy, DeliverPolicy, type ConsumerConfig, type JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from '../../application/ports/logger.ts';
import { isNotFound } from './connection.ts';
import type { NatsAddress, StartAt } from './nats-address.ts';

/**
 * The consumer to read from: an ephemeral one, or the durable named in the address. A durable that
 * exists is recreated just after its acknowledged floor; `resumeAfter` is that floor (0: none).
 */
export async function setUpConsumer(jsm: JetStreamManager, address: NatsAddress, logger: Logger): Promise<{ name: string; resumeAfter: number }> {
  const { stream, durable } = address;
  if (durable === null) return { name: await addConsumer(jsm, address, startConfig(address.start)), resumeAfter: 0 };
  let floor = 0;
  let previousStart: Partial<ConsumerConfig> | null = null;
  try {
    const info = await jsm.consumers.info(stream, durable);
    floor = info.ack_floor.stream_seq;
    // A consumer recreated at a sequence that has acknowledged nothing yet still starts there.
    const { deliver_policy, opt_start_seq, opt_start_time } = info.config;
    previousStart = { deliver_policy, ...(opt_start_seq === undefined ? {} : { opt_start_seq }), ...(opt_start_time === undefined ? {} : { opt_start_time }) };
    await jsm.consumers.delete(stream, durable);
  } catch (error) {
    if (!isNotFound(error)) throw new Error(`JetStream consumer ${durable} on ${stream}: ${(error as Error).message}`);
  }
  const start = floor > 0 ? startConfig({ kind: 'sequence', sequence: floor + 1 }) : (previousStart ?? startConfig(address.start));
  await addConsumer(jsm, address, start);
  if (floor > 0) logger.info({ stream, durable, after: floor }, 'durable consumer resumes after its last acknowledged frame');
  return { name: durable, resumeAfter: floor };
}

/** Replaces the consumer by one that starts just after `after` (0: where the address says); returns its name. */
export async function recreateConsumer(jsm: JetStreamManager, address: NatsAddress, name: string, after: number): Promise<string> {
  await jsm.consumers.delete(address.stream, name).catch(() => false);
  const start = after > 0 ? startConfig({ kind: 'sequence', sequence: after + 1 }) : startConfig(address.start);
  return addConsumer(jsm, address, start);
}

async function addConsumer(jsm: JetStreamManager, address: NatsAddress, start: Partial<ConsumerConfig>): Promise<string> {
  const config: Partial<ConsumerConfig> =
    address.durable === null
      ? { ...start, ack_policy: AckPolicy.None, inactive_threshold: 300_000_000_000 }
      : { ...start, durable_name: address.durable, ack_policy: AckPolicy.Explicit, ack_wait: 30_000_000_000, max_ack_pending: 20_000 };
  return (await jsm.consumers.add(address.stream, config)).name;
}

function startConfig(start: StartAt): Partial<ConsumerConfig> {
  switch (start.kind) {
    case 'new':
      return { deliver_policy: DeliverPolicy.New };
    case 'first':
      return { deliver_policy: DeliverPolicy.All };
    case 'sequence':
      return { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start.sequence };
    case 'time':
      return { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(start.ms).toISOString() };
  }
}
