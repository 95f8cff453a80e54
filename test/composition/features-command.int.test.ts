import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, describe, expect, it } from 'vitest';
import { MarketData, bybitSyncConfig } from '../../application/market-data.ts';
import { silentLogger } from '../../application/ports/logger.ts';
import { renderFeatureTable } from '../../application/feature-docs.ts';
import { FEATURES } from '../../domain/features/definitions.ts';
import { FileReplayFeed } from '../../adapters/replay/file-feed.ts';
import { SystemClock } from '../../adapters/clock/system-clock.ts';
import { scanningDecoder } from '../../adapters/bybit/frame-decoder.ts';
import { btc } from '../support/builders.ts';

// Each case starts the command in a process of its own: allow for a busy machine.
const SLOW = { timeout: 60_000 };

const root = fileURLToPath(new URL('../..', import.meta.url));
const sample = join(root, 'test/fixtures/btcusdt-sample.jsonl');
const dir = mkdtempSync(join(tmpdir(), 'ladder-features-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = promisify(execFile);

async function ladder(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(root, 'bin/ladder.js'), ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Book frames the book applied while LIVE with both sides present, counted here through the replay feed. */
async function liveBookFrames(path: string): Promise<number> {
  const feed = new FileReplayFeed(path, new SystemClock(), { decoder: scanningDecoder(btc) });
  const market = new MarketData({ instrument: btc, bookDepth: null, sync: bybitSyncConfig(null) }, feed, silentLogger);
  let n = 0;
  for await (const event of feed.events()) {
    if (market.process(event).book !== null && market.book.midTimesTwo() !== null) n++;
  }
  return n;
}

describe('ladder features', () => {
  it('exports the sample with labels: header, one row per LIVE book frame, schema file', SLOW, async () => {
    const out = join(dir, 'f.csv');
    const { code, stdout, stderr } = await ladder('features', '--input', sample, '--out', out, '--labels', '--quiet');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    const header = lines[0].split(',');
    expect(header.slice(0, 4)).toEqual(['ts', 'recv_ts', 'schema_id', 'warm']);
    expect(header).toEqual(expect.arrayContaining(['spread_ticks', 'depth_imbalance_1', 'ofi_1s', 'label_ret_5s_bps', 'label_class_5s', 'label_reached_5s']));
    // The trainer's horizons by default (5 s, 30 s, 2 min, 5 min); the sample's 150 s hold ten 5 s windows
    // but not ten of the others, which are dropped with a line each.
    expect(header.slice(-3)).toEqual(['label_ret_5s_bps', 'label_class_5s', 'label_reached_5s']);
    expect(header.filter((c) => c.startsWith('label_')).length).toBe(3);
    expect(stdout).toMatch(/dropped {3}horizon 30 s: 4 windows in the data's 2m 30s, fewer than 10\n.*horizon 2 min: 1 windows.*\n.*horizon 5 min: 0 windows/);
    const live = await liveBookFrames(sample);
    expect(live).toBeGreaterThan(1000);
    expect(lines.length - 1).toBe(live);
    expect(lines.every((l) => l.split(',').length === header.length)).toBe(true);
    const schema = JSON.parse(readFileSync(`${out}.schema.json`, 'utf8'));
    expect(schema).toMatchObject({ columns: header, rows: live, generatedBy: 'ladder features', labels: { horizons_ms: [5000], dead_zone_bps: 11 } });
    expect(lines[1].split(',')[2]).toBe(schema.schemaId);
    expect(existsSync(`${out}.partial`)).toBe(false);
    expect(stdout).toContain(`${live.toLocaleString('en-US')} (`);
  });

  it('keeps every horizon asked for with --min-windows 0, and drops by the windows asked for', SLOW, async () => {
    const out = join(dir, 'all.csv');
    const { code, stdout } = await ladder('features', '--input', sample, '--out', out, '--labels', '--min-windows', '0', '--quiet', '--features', 'ofi_1s');
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/dropped/);
    const header = readFileSync(out, 'utf8').split('\n')[0].split(',');
    expect(header.filter((c) => c.startsWith('label_ret_'))).toEqual(['label_ret_5s_bps', 'label_ret_30s_bps', 'label_ret_120s_bps', 'label_ret_300s_bps']);
    const few = join(dir, 'few.csv');
    const second = await ladder('features', '--input', sample, '--out', few, '--labels', '--horizons', '1s,30s', '--min-windows', '4', '--quiet', '--features', 'ofi_1s');
    expect(second.stdout).not.toMatch(/dropped/);
    const third = await ladder('features', '--input', sample, '--out', few, '--force', '--labels', '--horizons', '1s,30s', '--min-windows', '5', '--quiet', '--features', 'ofi_1s');
    expect(third.stdout).toMatch(/dropped {3}horizon 30 s: 4 windows in the data's 2m 30s, fewer than 5/);
    expect(JSON.parse(readFileSync(`${few}.schema.json`, 'utf8'))).toMatchObject({ labels: { horizons_ms: [1000] } });
    expect((await ladder('features', '--input', sample, '--out', few, '--force', '--min-windows', '3')).stderr).toMatch(/^ladder: --min-windows: only goes with --labels/m);
  });

  it('writes the same rows as Parquet when --out ends in .parquet', SLOW, async () => {
    const csv = join(dir, 'same.csv');
    const parquet = join(dir, 'same.parquet');
    expect((await ladder('features', '--input', sample, '--out', csv, '--labels', '--quiet')).code).toBe(0);
    expect((await ladder('features', '--input', sample, '--out', parquet, '--labels', '--quiet')).code).toBe(0);
    const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
    const header = lines[0].split(',');
    const bytes = readFileSync(parquet);
    const rows = (await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) })) as Record<string, unknown>[];
    expect(rows.length).toBe(lines.length - 1);
    // Every cell equal to the CSV's, read back as numbers: the same float64 either way.
    rows.forEach((row, i) => {
      const cells = lines[i + 1].split(',');
      header.forEach((name, j) => {
        const v = row[name];
        const text = cells[j];
        if (name === 'schema_id') expect(v).toBe(text);
        else if (typeof v === 'bigint') expect(v).toBe(BigInt(text));
        else if (v === null) expect(text).toBe('');
        else if (text === '') expect(Number.isNaN(v)).toBe(true);
        else if (!Object.is(v, Number(text))) expect.fail(`${name} of row ${i}: parquet ${JSON.stringify(v)}, csv ${text}`);
      });
    });
  });

  it('exports the synthetic market, adding the required columns to a narrow selection', SLOW, async () => {
    const out = join(dir, 's.csv');
    const { code, stdout, stderr } = await ladder('features', '--source', 'synthetic', '--frames', '2000', '--features', 'mid_price', '--out', out);
    expect(code).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('ts,recv_ts,schema_id,warm,mid_price,spread_ticks,depth_imbalance_1,ofi_1s');
    // The snapshot and every delta are applied LIVE: one row per book frame.
    expect(lines).toHaveLength(1 + 2000);
    expect(stdout).toContain('added: spread_ticks, depth_imbalance_1, ofi_1s');
    // Not a terminal: no progress, standard error keeps to what went wrong.
    expect(stderr).toBe('');
  });

  it('stops naming --horizons when a horizon is not a duration', SLOW, async () => {
    const { code, stderr } = await ladder('features', '--input', sample, '--out', join(dir, 'h.csv'), '--labels', '--horizons', '1x');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^ladder: --horizons: /m);
    expect(existsSync(join(dir, 'h.csv'))).toBe(false);
  });

  it('refuses an existing --out without --force', SLOW, async () => {
    const out = join(dir, 'exists.csv');
    writeFileSync(out, 'keep me\n');
    const { code, stderr } = await ladder('features', '--input', sample, '--out', out);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^ladder: --out: .*exists\.csv already exists; pass --force/m);
    expect(readFileSync(out, 'utf8')).toBe('keep me\n');
  });

  it('prints the feature table with --list', SLOW, async () => {
    const { code, stdout } = await ladder('features', '--list');
    expect(code).toBe(0);
    expect(stdout.trimEnd()).toBe(renderFeatureTable(FEATURES));
  });
});
