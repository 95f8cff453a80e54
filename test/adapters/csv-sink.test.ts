import { fc, test } from '@fast-check/vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExportMeta } from '../../application/ports/feature-sink.ts';
import { selectFeatures } from '../../domain/features/registry.ts';
import { CsvFeatureSink, formatCell, OutputExistsError, outputConflict } from '../../adapters/export/csv-sink.ts';

const dir = mkdtempSync(join(tmpdir(), 'ladder-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const fresh = (): string => join(dir, `f${++fileNo}.csv`);

const definitions = (() => {
  const s = selectFeatures({ features: ['spread_ticks', 'ofi_1s'] });
  if (!s.ok) throw new Error('selection failed');
  return s.value;
})();
const meta: ExportMeta = { schemaId: 'fs-test', definitions, labels: { horizonsMicros: [1_000_000, 5_000_000], deadZoneBps: 11 }, source: 'replay:sample.jsonl' };

/** The 64 bits of a double, so that -0, NaN payloads and subnormals compare exactly. */
function bits(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0);
}

/** Reads a number cell the way a CSV reader does: empty is no value. */
const readNumber = (text: string): number => (text === '' ? NaN : Number(text));

describe('formatCell', () => {
  it('writes awkward floats so that they read back bit for bit', () => {
    for (const x of [0.1, 1 / 3, -0, 0, 5e-324, -5e-324, 1e21, 1e-7, 2 ** 53 + 2, Number.MAX_VALUE, Infinity, -Infinity, 90000.05]) {
      expect(bits(readNumber(formatCell(x))), String(x)).toBe(bits(x));
    }
    expect(formatCell(-0)).toBe('-0');
    expect(formatCell(NaN)).toBe('');
  });

  test.prop([fc.double({ noNaN: true })])('any double reads back bit for bit', (x) => {
    expect(bits(readNumber(formatCell(x)))).toBe(bits(x));
  });

  it('quotes text per RFC 4180 only when it must', () => {
    expect(formatCell('fs-0123')).toBe('fs-0123');
    expect(formatCell('a,b')).toBe('"a,b"');
    expect(formatCell('say "hi"')).toBe('"say ""hi"""');
    expect(formatCell('two\nlines')).toBe('"two\nlines"');
  });
});

describe('CsvFeatureSink', () => {
  const columns = ['ts', 'recv_ts', 'schema_id', 'warm', 'spread_ticks', 'ofi_1s'];
  const awkward = [0.1, 1 / 3, -0, 5e-324, 1e21];

  it('writes the header and rows to <out>.partial, and renames it only at the end', async () => {
    const out = fresh();
    const sink = new CsvFeatureSink(out, { chunkChars: 16 });
    await sink.begin(columns, meta);
    for (let i = 0; i < 5; i++) {
      const wait = sink.row([1_700_000_000_000 + i, 1_700_000_000_005.25 + i, 'fs-test', i % 2, awkward[i], awkward[4 - i]]);
      if (wait !== null) await wait;
    }
    expect(existsSync(`${out}.partial`)).toBe(true);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.schema.json`)).toBe(false);
    await sink.end({ rows: 5, warmRows: 2 });
    expect(existsSync(`${out}.partial`)).toBe(false);

    const lines = readFileSync(out, 'utf8').split('\n');
    expect(lines[0]).toBe(columns.join(','));
    expect(lines).toHaveLength(7);
    expect(lines[6]).toBe('');
    const cells = lines.slice(1, 6).map((l) => l.split(','));
    cells.forEach((row, i) => {
      expect(row[2]).toBe('fs-test');
      expect(bits(readNumber(row[4]))).toBe(bits(awkward[i]));
      expect(bits(readNumber(row[5]))).toBe(bits(awkward[4 - i]));
      expect(Number(row[1])).toBe(1_700_000_000_005.25 + i);
    });

    const schema = JSON.parse(readFileSync(`${out}.schema.json`, 'utf8'));
    expect(schema).toMatchObject({
      schemaId: 'fs-test',
      columns,
      labels: { horizons_ms: [1000, 5000], dead_zone_bps: 11 },
      source: 'replay:sample.jsonl',
      rows: 5,
      generatedBy: 'ladder features',
    });
    expect(schema.features[1]).toEqual({
      name: 'ofi_1s', version: definitions[1].version, group: 'flow', unit: 'BTC', window_ms: 1000, warmup_ms: 1000, definition: definitions[1].definition,
    });
  });

  it('refuses to replace an existing file without force, and replaces it with force', async () => {
    const out = fresh();
    writeFileSync(out, 'precious\n');
    expect(outputConflict(out, false)).toBe(out);
    expect(outputConflict(out, true)).toBeNull();
    await expect(new CsvFeatureSink(out).begin(columns, meta)).rejects.toBeInstanceOf(OutputExistsError);
    expect(readFileSync(out, 'utf8')).toBe('precious\n');
    expect(existsSync(`${out}.partial`)).toBe(false);

    const sink = new CsvFeatureSink(out, { force: true });
    await sink.begin(columns, meta);
    await sink.end({ rows: 0, warmRows: 0 });
    expect(readFileSync(out, 'utf8')).toBe(`${columns.join(',')}\n`);
  });

  it('counts an existing schema file as a conflict too', () => {
    const out = fresh();
    writeFileSync(`${out}.schema.json`, '{}');
    expect(outputConflict(out, false)).toBe(`${out}.schema.json`);
  });

  it('leaves nothing under the final name when aborted', async () => {
    const out = fresh();
    const sink = new CsvFeatureSink(out);
    await sink.begin(columns, meta);
    expect(sink.row([1, 2, 'fs-test', 0, 1, 2])).toBeNull();
    await sink.abort();
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
    expect(existsSync(`${out}.schema.json`)).toBe(false);
  });

  it('rejects naming the file when the directory does not exist', async () => {
    const out = join(dir, 'missing', 'f.csv');
    await expect(new CsvFeatureSink(out).begin(columns, meta)).rejects.toThrow(/cannot write .*missing\/f\.csv\.partial/);
  });

  it('holds a large export in a buffer of one chunk, waiting for the stream to drain', async () => {
    const out = fresh();
    const sink = new CsvFeatureSink(out, { chunkChars: 4096 });
    await sink.begin(columns, meta);
    let waits = 0;
    for (let i = 0; i < 20_000; i++) {
      const wait = sink.row([i, i + 0.5, 'fs-test', 1, i / 7, -i / 3]);
      if (wait !== null) {
        waits++;
        await wait;
      }
    }
    await sink.end({ rows: 20_000, warmRows: 20_000 });
    expect(waits).toBeGreaterThan(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(20_001);
    expect(lines[20_000]).toBe(`19999,19999.5,fs-test,1,${19999 / 7},${-19999 / 3}`);
  });
});
