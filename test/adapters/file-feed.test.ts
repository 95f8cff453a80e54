import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { scanningDecoder } from '../../adapters/bybit/frame-decoder.ts';
import { FileReplayFeed, parseLine } from '../../adapters/replay/file-feed.ts';
import { btc } from '../support/builders.ts';
import type { LevelBuffer } from '../../domain/market/level-buffer.ts';
import type { MarketEvent } from '../../domain/market/market-event.ts';
import { StepClock } from '../support/fakes.ts';

const dir = mkdtempSync(join(tmpdir(), 'ladder-feed-'));
const snapshot = JSON.stringify({
  topic: 'orderbook.50.BTCUSDT',
  type: 'snapshot',
  ts: 1_700_000_000_000,
  data: { s: 'BTCUSDT', b: [['90000.0', '1.000']], a: [['90000.1', '2.000']], u: 1, seq: 10 },
  cts: 1_699_999_999_999,
});

async function collect(feed: FileReplayFeed): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  for await (const e of feed.events()) out.push(e);
  return out;
}

/** A grid book event with its levels as plain lists (a buffer's room beyond its count is no part of it), copied. */
const levelsAsLists = (e: MarketEvent): unknown => {
  if (e.kind !== 'gridBook') return structuredClone(e);
  const list = (b: LevelBuffer): number[][] => Array.from({ length: b.count }, (_, i) => [b.prices[i], b.sizes[i]]);
  return { ...e, frame: { ...e.frame, bids: list(e.frame.bids), asks: list(e.frame.asks) } };
};

describe('FileReplayFeed', () => {
  it('hands the same events over in read chunks at speed max, and none of them when paced', async () => {
    const text = `1700000000001234 ${snapshot}\n\n${snapshot}\nnot json\n`.repeat(3000);
    const path = join(dir, 'batched.jsonl');
    writeFileSync(path, text);
    for (const options of [{}, { decoder: scanningDecoder(btc) }]) {
      const batched: unknown[] = [];
      let batches = 0;
      // A batch's events are valid until the next is asked for: kept here as copies.
      for await (const batch of new FileReplayFeed(path, new StepClock(5), options).eventBatches() ?? []) {
        batches++;
        batched.push(...batch.map(levelsAsLists));
      }
      expect(batches).toBeGreaterThan(1);
      expect(batched).toEqual((await collect(new FileReplayFeed(path, new StepClock(5), options))).map(levelsAsLists));
    }
    expect(new FileReplayFeed(path, new StepClock(5), { speed: 2 }).eventBatches()).toBeNull();
  });

  it('reads recorder lines with their receive time and bare frame lines, plain or gzip', async () => {
    const text = `1700000000001234 ${snapshot}\n\n${snapshot}\nnot json\n`;
    const plain = join(dir, 'frames.jsonl');
    const gz = join(dir, 'frames.jsonl.bin');
    writeFileSync(plain, text);
    writeFileSync(gz, gzipSync(text));
    for (const path of [plain, gz]) {
      const events = await collect(new FileReplayFeed(path, new StepClock(5)));
      expect(events.map((e) => e.kind)).toEqual(['book', 'book', 'malformed']);
      const [first, second] = events;
      expect(first?.kind === 'book' && first.frame.recvTime).toBe(1_700_000_000_001_234);
      // A bare line is stamped with its own venue time, so replays are deterministic.
      expect(second?.kind === 'book' && second.frame.recvTime).toBe(1_700_000_000_000_000);
      expect(first?.kind === 'book' && first.frame.cts).toBe(1_699_999_999_999_000);
    }
  });

  it('rejects a missing file with a message naming it', async () => {
    await expect(collect(new FileReplayFeed(join(dir, 'absent.jsonl'), new StepClock()))).rejects.toThrow(/absent\.jsonl: ENOENT/);
  });

  it('stops after close', async () => {
    const path = join(dir, 'many.jsonl');
    writeFileSync(path, `${snapshot}\n`.repeat(100));
    const feed = new FileReplayFeed(path, new StepClock());
    let n = 0;
    for await (const _ of feed.events()) {
      if (++n === 3) await feed.close();
    }
    expect(n).toBe(3);
  });

  it('treats a prefix that is not a whole number as part of the frame', () => {
    expect(parseLine('12x {"a":1}').kind).toBe('malformed');
    expect(parseLine('123').kind).toBe('malformed');
  });
});
