import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseBybitFrame } from '../../adapters/bybit/parse.ts';
import { readFrameLines } from '../../adapters/replay/frame-reader.ts';
import { recordCommand } from '../../composition/record-command.ts';
import { replayCommand } from '../../composition/replay-command.ts';
import type { Micros } from '../../domain/values/units.ts';
import { unwrap } from '../../domain/result.ts';
import { priceToTicks } from '../../domain/values/instrument.ts';
import { btc, eventually } from '../support/builders.ts';
import { BybitTestServer } from '../support/bybit-server.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const data = join(root, '../shared/data/bybit');
const present = existsSync(data);
if (!present) console.warn(`skipping ladder replay over the real Bybit captures: ${data} is absent`);
const dir = mkdtempSync(join(tmpdir(), 'ladder-replay-'));

interface Top {
  seq: number;
  bid: string;
  ask: string;
  levels: [number, number];
  state: string;
}

/** Runs `ladder replay` in process; returns the emitted lines and the summary. */
async function replay(...args: string[]): Promise<{ tops: Top[]; summary: Record<string, number | string> }> {
  const out: string[] = [];
  const code = await replayCommand([...args, '--log-level', 'silent'], (text) => out.push(...text.split('\n')));
  expect(code).toBe(0);
  const parsed = out.map((l) => JSON.parse(l) as Top & { summary?: Record<string, number | string> });
  return { tops: parsed.filter((p) => p.summary === undefined), summary: parsed.at(-1)!.summary! };
}

describe.skipIf(!present)('ladder replay over the real Bybit captures', () => {
  it('replays the linear capture: 132 ticker checks and 56 trades hold, no gap, nothing crossed', async () => {
    const file = join(data, 'linear-BTCUSDT-orderbook200-trades-tickers.jsonl');
    const { tops, summary } = await replay('--input', file);
    expect(summary).toMatchObject({ frames: 637, bookFrames: 414, bookUpdates: 414, trades: 56, gaps: 0, crossed: 0, malformed: 0, resyncs: 0, state: 'LIVE' });
    expect(tops).toHaveLength(414);
    // The tops come out in file order, one per book frame: walk the file beside them.
    let next = 0;
    let last: Top | null = null;
    let tickerChecks = 0;
    let tradeChecks = 0;
    for (const text of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
      const event = parseBybitFrame(text, 0 as Micros);
      if (event.kind === 'book') last = tops[next++]!;
      // A ticker delta carries bid1Price, ask1Price or both: each one present is checked.
      if (event.kind === 'ticker' && (event.ticker.bid1Price !== null || event.ticker.ask1Price !== null)) {
        const at = [...tops].reverse().find((t) => t.seq <= event.ticker.cs);
        if (at === undefined) continue;
        // Bybit writes "65114.20", the replay "65114.2": the same tick.
        const ticks = (p: string): number => unwrap(priceToTicks(btc, p));
        if (event.ticker.bid1Price !== null) expect(ticks(at.bid)).toBe(ticks(event.ticker.bid1Price));
        if (event.ticker.ask1Price !== null) expect(ticks(at.ask)).toBe(ticks(event.ticker.ask1Price));
        tickerChecks++;
      }
      if (event.kind === 'trades') {
        for (const t of event.trades) {
          const price = unwrap(priceToTicks(btc, t.price));
          if (t.takerSide === 'Buy') expect(price).toBeGreaterThanOrEqual(unwrap(priceToTicks(btc, last!.ask)));
          else expect(price).toBeLessThanOrEqual(unwrap(priceToTicks(btc, last!.bid)));
          tradeChecks++;
        }
      }
    }
    expect([tickerChecks, tradeChecks]).toEqual([132, 56]);
  });

  it('keeps the XRPUSDT ob500 dump at exactly 500 levels a side after every frame', async () => {
    const { tops, summary } = await replay('--input', join(data, '2024-12-01_XRPUSDT_ob500.data'));
    expect(summary).toMatchObject({ bookFrames: 50, gaps: 0, crossed: 0, malformed: 0 });
    expect(tops.every((t) => t.levels[0] === 500 && t.levels[1] === 500 && t.state === 'LIVE')).toBe(true);
  });

  it('replays the spot capture with no gap and nothing crossed', async () => {
    const { summary } = await replay('--input', join(data, 'spot-BTCUSDT-orderbook200-trades-tickers.jsonl'), '--category', 'spot', '--emit', 'none');
    expect(summary).toMatchObject({ bookFrames: 300, bookUpdates: 300, gaps: 0, crossed: 0, malformed: 0 });
  });
});

describe('ladder replay on bad input', () => {
  const sample = readFileSync(join(root, 'test/fixtures/btcusdt-sample.jsonl'), 'utf8').trim().split('\n');

  it('replays a file with garbage, truncated JSON and an unknown topic to the end, counting each bad line', async () => {
    const file = join(dir, 'bad.jsonl');
    const truncated = sample[5].slice(0, 80);
    const bad = ['garbage', truncated, '{"topic":"candles.1.BTCUSDT","type":"snapshot","ts":1,"data":[]}'];
    writeFileSync(file, [...sample.slice(0, 5), ...bad, ...sample.slice(5, 60)].join('\n'));
    const { summary } = await replay('--input', file, '--emit', 'none');
    expect(summary).toMatchObject({ frames: 63, malformed: 3 });
  });

  it('fails on an empty or a missing file with a message naming it', async () => {
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    await expect(replayCommand(['--input', empty], () => undefined)).rejects.toThrow(/empty file: .*empty\.jsonl/);
    await expect(replayCommand(['--input', join(dir, 'absent.jsonl')], () => undefined)).rejects.toThrow(/--input: file not found: .*absent\.jsonl/);
  });
});

describe('ladder replay staleness', () => {
  it('judges silence by --stale-after push intervals on the recorded receive times', async () => {
    const file = join(root, 'test/fixtures/btcusdt-sample.jsonl');
    // The sample's book frames come every 100 ms at depth 50 (push interval 20 ms): 10 intervals
    // (200 ms) never pass without a book frame, 2 intervals (40 ms) pass before each trade or ticker.
    const quiet = await replay('--input', file, '--emit', 'none');
    expect(quiet.summary).toMatchObject({ stalePeriods: 0, resyncs: 0, state: 'LIVE' });
    const strict = await replay('--input', file, '--emit', 'none', '--stale-after', '2');
    expect(strict.summary.stalePeriods).toBeGreaterThan(100);
    expect(strict.summary).toMatchObject({ gaps: 0, state: 'LIVE' });
  });
});

describe('ladder record', () => {
  it('writes everything received when interrupted with SIGINT', { timeout: 60_000 }, async () => {
    const server = await BybitTestServer.start({ seed: 9, levels: 20, paceMs: 5 });
    const out = join(dir, 'interrupted.jsonl.gz');
    try {
      const child = spawn(process.execPath, [join(root, 'bin/ladder.js'), 'record', '--url', server.url, '--out', out, '--log-level', 'silent'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await eventually(() => server.sent.length > 300, 30_000);
      const sentBefore = server.sentTo(1).length;
      await new Promise((r) => setTimeout(r, 200));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      const texts: string[] = [];
      for await (const line of readFrameLines(out)) texts.push(line.text);
      // Everything the server had sent well before the interrupt is on disk, in order, unchanged.
      expect(texts.length).toBeGreaterThanOrEqual(sentBefore);
      expect(texts).toEqual(server.sentTo(1).slice(0, texts.length));
    } finally {
      await server.close();
    }
  });

  it('records every frame the venue sent, exactly, with its receive time, and replays it', { timeout: 60_000 }, async () => {
    const server = await BybitTestServer.start({ seed: 5, levels: 20, paceMs: 5 });
    const out = join(dir, 'recorded.jsonl.gz');
    try {
      const started = Date.now() * 1000;
      const code = await recordCommand(['--url', server.url, '--out', out, '--duration', '1500ms', '--log-level', 'silent', '--progress', '1']);
      expect(code).toBe(0);
      const lines = [];
      for await (const line of readFrameLines(out)) lines.push(line);
      // Identical, in order: everything the server sent on the one connection, acks and pongs included.
      expect(lines.map((l) => l.text)).toEqual(server.sentTo(1).slice(0, lines.length));
      expect(lines.length).toBeGreaterThan(100);
      const times = lines.map((l) => l.recvTime!);
      expect(times.every((t, i) => t >= started && (i === 0 || t >= times[i - 1]))).toBe(true);
      const { summary } = await replay('--input', out, '--emit', 'none');
      expect(summary).toMatchObject({ gaps: 0, crossed: 0, malformed: 0, state: 'LIVE' });
      expect(summary.bookFrames).toBeGreaterThan(100);
    } finally {
      await server.close();
    }
  });
});
