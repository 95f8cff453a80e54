import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../adapters/clock/system-clock.ts';
import { parseNatsAddress } from '../../adapters/nats/nats-address.ts';
import { NatsStreamFeed } from '../../adapters/nats/stream-feed.ts';
import { readFrameLines } from '../../adapters/replay/frame-reader.ts';
import { parseLine } from '../../adapters/replay/file-feed.ts';
import { silentLogger } from '../../application/ports/logger.ts';
import { recordCommand } from '../../composition/record-command.ts';
import type { MarketEvent } from '../../domain/market/market-event.ts';
import { unwrap } from '../../domain/result.ts';
import { BybitTestServer } from '../support/bybit-server.ts';
import { natsAdmin, natsAnswers, NATS_SERVER, uniqueStream } from '../support/nats.ts';

const available = await natsAnswers();
if (!available) console.warn(`skipping ladder record --publish: no NATS server with JetStream answers at ${NATS_SERVER}`);
const dir = mkdtempSync(join(tmpdir(), 'ladder-record-publish-'));
const stream = uniqueStream('record');
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (available) await (await natsAdmin()).drop(stream);
});

describe.skipIf(!available)('ladder record --publish', () => {
  it('puts on the stream every frame it writes to the file, with the same receive time, in the same order', { timeout: 60_000 }, async () => {
    const server = await BybitTestServer.start({ seed: 4, levels: 20, paceMs: 5 });
    const out = join(dir, 'recorded.jsonl');
    try {
      const code = await recordCommand([
        '--url', server.url, '--out', out, '--publish', `nats://${NATS_SERVER}/${stream}`, '--retain-age', '1h', '--duration', '1500ms', '--log-level', 'silent', '--progress', '1',
      ]);
      expect(code).toBe(0);
    } finally {
      await server.close();
    }
    const fromFile: MarketEvent[] = [];
    for await (const line of readFrameLines(out)) fromFile.push(parseLine(`${line.recvTime} ${line.text}`));
    expect(fromFile.length).toBeGreaterThan(100);
    const feed = await NatsStreamFeed.open({ address: unwrap(parseNatsAddress(`nats://${NATS_SERVER}/${stream}?start=first&end=last`)), clock: new SystemClock(), logger: silentLogger });
    const fromBus: MarketEvent[] = [];
    for await (const e of feed.events()) fromBus.push(e);
    expect(fromBus).toEqual(fromFile);
    const admin = await natsAdmin();
    try {
      const info = await admin.jsm.streams.info(stream);
      expect(info.config.max_age).toBe(3_600_000_000_000);
      // One subject a topic: book, trades and the control frames (acknowledgements) apart.
      const subjects = Object.keys((await admin.jsm.streams.info(stream, { subjects_filter: '>' })).state.subjects ?? {}).sort();
      expect(subjects).toContain(`${stream}.bybit.linear.control`);
      expect(subjects.some((s) => s.startsWith(`${stream}.bybit.linear.orderbook.`))).toBe(true);
    } finally {
      await admin.nc.close();
    }
  });
});
