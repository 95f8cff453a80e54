import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../adapters/clock/system-clock.ts';
import { NatsFramePublisher } from '../../adapters/nats/frame-publisher.ts';
import { parseNatsAddress } from '../../adapters/nats/nats-address.ts';
import { NatsStreamFeed } from '../../adapters/nats/stream-feed.ts';
import { silentLogger } from '../../application/ports/logger.ts';
import type { MarketEvent } from '../../domain/market/market-event.ts';
import { unwrap } from '../../domain/result.ts';
import type { Micros } from '../../domain/values/units.ts';
import { eventually } from '../support/builders.ts';
import { natsAdmin, natsAnswers, NATS_SERVER, uniqueStream } from '../support/nats.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

/*
 * The JetStream feed against the real server: a sequence gap is a feed gap, a lost connection loses
 * and repeats nothing, a tail asks the recorder for a fresh book, and a server or stream that is not
 * there is named.
 */

const available = await natsAnswers();
if (!available) console.warn(`skipping the JetStream feed tests: no NATS server with JetStream answers at ${NATS_SERVER}`);
const lines = readFileSync(fileURLToPath(new URL('../fixtures/btcusdt-sample.jsonl', import.meta.url)), 'utf8').split('\n').filter(Boolean);
const frames = lines.map((l) => ({ recv: Number(l.slice(0, l.indexOf(' '))) as Micros, text: l.slice(l.indexOf(' ') + 1) }));
const streams: string[] = [];
const clock = new SystemClock();
afterAll(async () => {
  if (available) await (await natsAdmin()).drop(...streams);
});

async function publisher(server = NATS_SERVER): Promise<NatsFramePublisher> {
  const stream = uniqueStream('feed');
  streams.push(stream);
  return NatsFramePublisher.open({ server, stream, venue: 'bybit', category: 'linear', maxAgeMs: 3_600_000, maxBytes: 64_000_000, logger: silentLogger });
}

const streamOf = (p: NatsFramePublisher): string => p.description.slice(p.description.lastIndexOf('/') + 1);
const textOf = (e: MarketEvent): string => JSON.stringify(e);

describe.skipIf(!available)('NatsStreamFeed', () => {
  it('gives the frames with their recorded receive times, and a missing sequence as a feed gap', { timeout: 60_000 }, async () => {
    const pub = await publisher();
    for (const f of frames.slice(0, 30)) pub.publish(f.text, f.recv);
    await pub.close();
    expect(pub.stats).toMatchObject({ published: 30, unconfirmed: 0, dropped: 0 });
    const admin = await natsAdmin();
    await admin.jsm.streams.deleteMessage(streamOf(pub), 10);
    await admin.nc.close();
    const feed = await NatsStreamFeed.open({ address: unwrap(parseNatsAddress(`nats://${NATS_SERVER}/${streamOf(pub)}?start=first&end=last`)), clock, logger: silentLogger });
    const events: MarketEvent[] = [];
    for await (const e of feed.events()) events.push(e);
    const gap = events.findIndex((e) => e.kind === 'status');
    expect(gap).toBe(9);
    expect(events[gap]).toMatchObject({ kind: 'status', status: 'disconnected', detail: 'JetStream sequence gap: 1 messages after 9 missing' });
    const { parseLine } = await import('../../adapters/replay/file-feed.ts');
    const expected = lines.slice(0, 30).filter((_, i) => i !== 9).map((l) => textOf(parseLine(l)));
    expect(events.filter((e) => e.kind !== 'status').map(textOf)).toEqual(expected);
    expect(feed.stats).toMatchObject({ received: 29, gaps: 1, missing: 1, firstSequence: 1, lastSequence: 30 });
  });

  it('loses and repeats no frame across a lost connection, and goes on sending heartbeats meanwhile', { timeout: 120_000 }, async () => {
    const pub = await publisher();
    const proxy = await TcpProxy.start(Number(NATS_SERVER.split(':')[1]), NATS_SERVER.split(':')[0]);
    try {
      const address = unwrap(parseNatsAddress(`nats://127.0.0.1:${proxy.port}/${streamOf(pub)}?start=first&durable=tail1`));
      const feed = await NatsStreamFeed.open({ address, clock, logger: silentLogger, heartbeatMs: 100, batch: 64 });
      const got: MarketEvent[] = [];
      const reading = (async () => {
        for await (const e of feed.events()) got.push(e);
      })();
      const seen = (): MarketEvent[] => got.filter((e) => e.kind !== 'heartbeat' && e.kind !== 'status');
      for (const f of frames.slice(0, 600)) pub.publish(f.text, f.recv);
      await pub.flush();
      await eventually(() => seen().length >= 300, 30_000);
      proxy.cut();
      for (const f of frames.slice(600, 1200)) pub.publish(f.text, f.recv);
      await pub.flush();
      const beats = got.filter((e) => e.kind === 'heartbeat').length;
      await eventually(() => got.filter((e) => e.kind === 'heartbeat').length > beats, 30_000);
      proxy.restore();
      await eventually(() => seen().length >= 1200, 60_000);
      await feed.close();
      await reading;
      const { parseLine } = await import('../../adapters/replay/file-feed.ts');
      expect(seen().map(textOf)).toEqual(lines.slice(0, 1200).map((l) => textOf(parseLine(l))));
      expect(feed.stats.disconnects).toBeGreaterThanOrEqual(1);
      expect(feed.stats).toMatchObject({ gaps: 0, lastSequence: 1200 });
      expect(feed.stats.restarts).toBeGreaterThanOrEqual(1);
    } finally {
      await proxy.close();
      await pub.close();
    }
  });

  it('asks the recorder for a fresh book once it has caught up with the tail', { timeout: 60_000 }, async () => {
    const pub = await publisher();
    const asked: string[] = [];
    pub.onResyncRequest((reason) => asked.push(reason));
    const feed = await NatsStreamFeed.open({ address: unwrap(parseNatsAddress(`nats://${NATS_SERVER}/${streamOf(pub)}`)), clock, logger: silentLogger });
    const got: MarketEvent[] = [];
    const reading = (async () => {
      for await (const e of feed.events()) got.push(e);
    })();
    // A tail starts at the next frame published: wait until the consumer is there.
    await new Promise((r) => setTimeout(r, 500));
    for (const f of frames.slice(0, 5)) pub.publish(f.text, f.recv);
    await eventually(() => got.length >= 5, 30_000);
    feed.resync('book gap');
    await eventually(() => asked.length === 1, 30_000);
    expect(asked).toEqual(['book gap']);
    expect(pub.stats.resyncRequests).toBe(1);
    await feed.close();
    await reading;
    await pub.close();
  });

  it('names a server that cannot be reached and a stream that does not exist', { timeout: 60_000 }, async () => {
    const proxy = await TcpProxy.start();
    const port = proxy.port;
    await proxy.close();
    await expect(NatsStreamFeed.open({ address: unwrap(parseNatsAddress(`nats://127.0.0.1:${port}/S`)), clock, logger: silentLogger })).rejects.toThrow(
      new RegExp(`NATS at 127\\.0\\.0\\.1:${port} cannot be reached`),
    );
    await expect(NatsStreamFeed.open({ address: unwrap(parseNatsAddress(`nats://${NATS_SERVER}/NO_SUCH_STREAM_${process.pid}`)), clock, logger: silentLogger })).rejects.toThrow(
      /JetStream stream NO_SUCH_STREAM_\d+ not found/,
    );
  });
});
