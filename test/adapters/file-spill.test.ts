import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSpillLog } from '../../adapters/spill/file-spill.ts';
import type { QueuedRow } from '../../application/ports/spill-log.ts';
import type { Micros, Ticks } from '../../domain/values/units.ts';

const dir = await mkdtemp(join(tmpdir(), 'ladder-spill-'));
let files = 0;
const freshLog = (): FileSpillLog => new FileSpillLog(join(dir, `nested/spill-${++files}.jsonl`));

/** Doubles with no short decimal, the smallest subnormal, -0, the extremes, and the non-finite ones. */
const AWKWARD = [-0, 0, 5e-324, -5e-324, 1 / 3, 0.1 + 0.2, Number.MAX_VALUE, -Number.MIN_VALUE, 2 ** 53 + 2, Math.PI, Number.NaN, Number.POSITIVE_INFINITY];
const bits = (values: Float64Array): bigint[] => [...new BigUint64Array(Float64Array.from(values).buffer)];

const vectorRow = (seq: number, values: readonly number[]): QueuedRow => ({
  kind: 'featureVectors',
  record: { runId: 'r', seq, vector: { schemaId: 'fs-1', ts: (1_700_000_000_000_000 + seq) as Micros, values: Float64Array.from(values) } },
});
const signalRow = (seq: number, score: number): QueuedRow => ({
  kind: 'signals',
  record: { runId: 'r', seq, midTicks: seq % 2 === 0 ? null : (651_143 as Ticks), acted: true, signal: { ts: seq as Micros, score, confidence: 1 / 3, horizonMs: 500, modelId: 'm', schemaId: 's' } },
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileSpillLog', () => {
  it('reads back every row in append order, values bit for bit (-0, 5e-324, 1/3, NaN)', async () => {
    const log = freshLog();
    const rows = [vectorRow(1, AWKWARD), signalRow(1, -0), vectorRow(2, [1 / 3]), signalRow(2, 5e-324)];
    log.append(rows.slice(0, 2));
    log.append(rows.slice(2));
    const { rows: back, skippedLines } = await log.readAll();
    expect(skippedLines).toBe(0);
    expect(back.map((r) => r.kind)).toEqual(['featureVectors', 'signals', 'featureVectors', 'signals']);
    const v = back[0].record as { vector: { values: Float64Array } };
    expect(v.vector.values).toBeInstanceOf(Float64Array);
    expect(bits(v.vector.values)).toEqual(bits(Float64Array.from(AWKWARD)));
    expect(Object.is((back[1].record as { signal: { score: number } }).signal.score, -0)).toBe(true);
    expect((back[3].record as { signal: { score: number } }).signal.score).toBe(5e-324);
    // Apart from the typed arrays, what comes back is what went in.
    expect(back[1]).toEqual(rows[1]);
    expect(back[3]).toEqual(rows[3]);
    await log.close();
  });

  it('skips and counts a last line cut short by a crash, and the next append starts a fresh line', async () => {
    const log = freshLog();
    log.append([signalRow(1, 0.5), signalRow(2, 0.25)]);
    await log.close();
    // A crash in the middle of an append leaves part of a line and no newline.
    const full = await readFile(log.path, 'utf8');
    await appendFile(log.path, full.slice(0, 20));

    const after = new FileSpillLog(log.path);
    expect(await after.readAll()).toMatchObject({ skippedLines: 1, rows: [{ record: { seq: 1 } }, { record: { seq: 2 } }] });
    after.append([signalRow(3, 1)]);
    const read = await after.readAll();
    expect(read.skippedLines).toBe(1);
    expect(read.rows.map((r) => (r.record as { seq: number }).seq)).toEqual([1, 2, 3]);
    after.clear();
    expect(await after.readAll()).toEqual({ rows: [], skippedLines: 0 });
    after.append([signalRow(4, 1)]);
    expect((await after.readAll()).rows).toHaveLength(1);
    await after.close();
  });

  it('reads an absent file as empty, and skips a damaged line in the middle', async () => {
    const log = freshLog();
    expect(await log.readAll()).toEqual({ rows: [], skippedLines: 0 });
    await writeFile(log.path, `${JSON.stringify({ k: 'signals', r: { seq: 1 } })}\n{"k":"sig\n${JSON.stringify({ k: 'signals', r: { seq: 2 } })}\n`);
    const read = await log.readAll();
    expect(read.skippedLines).toBe(1);
    expect(read.rows).toHaveLength(2);
    await log.close();
  });

  it('appends and clears synchronously: a row appended is in the file when append returns', async () => {
    const log = freshLog();
    log.append([signalRow(1, 1)]);
    expect(await readFile(log.path, 'utf8')).toMatch(/"seq":1/);
    log.clear();
    log.append([signalRow(2, 1)]);
    log.append([signalRow(3, 1)]);
    expect((await log.readAll()).rows.map((r) => (r.record as { seq: number }).seq)).toEqual([2, 3]);
    await log.close();
  });

  it('a read under way while rows are appended returns a prefix of the log, in order', async () => {
    const log = freshLog();
    log.append(Array.from({ length: 200 }, (_, i) => signalRow(i + 1, 1)));
    const read = log.readAll();
    for (let seq = 201; seq <= 260; seq++) log.append([signalRow(seq, 1)]);
    const seqs = (await read).rows.map((r) => (r.record as { seq: number }).seq);
    expect(seqs.length).toBeGreaterThanOrEqual(200);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect((await log.readAll()).rows).toHaveLength(260);
    await log.close();
  });

  it('syncs once per append: measured cost of an append of 500 feature vectors of 60 values', async () => {
    const log = freshLog();
    const rows = Array.from({ length: 500 }, (_, i) => vectorRow(i + 1, Array.from({ length: 60 }, (_, j) => Math.sin(i * 60 + j))));
    const one = [vectorRow(0, [1])];
    log.append(one);
    const times = { batch: [] as number[], single: [] as number[] };
    for (let i = 0; i < 10; i++) {
      let t = performance.now();
      log.append(one);
      times.single.push(performance.now() - t);
      t = performance.now();
      log.append(rows);
      times.batch.push(performance.now() - t);
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    console.log(`spill append: 1 row ${median(times.single).toFixed(2)} ms, 500 vectors of 60 values ${median(times.batch).toFixed(2)} ms (median of 10, fdatasync each)`);
    expect((await log.readAll()).rows).toHaveLength(1 + 10 * 501);
    await log.close();
  });
});
