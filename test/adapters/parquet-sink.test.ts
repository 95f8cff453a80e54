import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExportMeta } from '../../application/ports/feature-sink.ts';
import { selectFeatures } from '../../domain/features/registry.ts';
import { OutputExistsError } from '../../adapters/export/csv-sink.ts';
import { ParquetFeatureSink } from '../../adapters/export/parquet-sink.ts';

const dir = mkdtempSync(join(tmpdir(), 'ladder-parquet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const fresh = (): string => join(dir, `f${++fileNo}.parquet`);

const definitions = (() => {
  const s = selectFeatures({ features: ['spread_ticks', 'ofi_1s'] });
  if (!s.ok) throw new Error('selection failed');
  return s.value;
})();
const meta: ExportMeta = { schemaId: 'fs-test', definitions, labels: { horizonsMicros: [1_000_000], deadZoneBps: 11 }, source: 'replay:sample.jsonl' };
const columns = ['ts', 'recv_ts', 'schema_id', 'warm', 'spread_ticks', 'ofi_1s', 'label_ret_1s_bps', 'label_class_1s', 'label_reached_1s'];

function bits(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0);
}

async function read(path: string): Promise<Record<string, unknown>[]> {
  const bytes = readFileSync(path);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return (await parquetReadObjects({ file })) as Record<string, unknown>[];
}

describe('ParquetFeatureSink', () => {
  it('writes rows that a Parquet reader gives back bit for bit, over several row groups', async () => {
    const path = fresh();
    const sink = new ParquetFeatureSink(path, { rowGroupRows: 3 });
    await sink.begin(columns, meta);
    const awkward = [0.1, 1 / 3, -0, 5e-324, 1e21, -1e-300, 2 ** 53 + 2];
    const rows = awkward.map((x, i) => [1_767_225_600_000 + i * 100, 1_767_225_600_000.5 + i, 'fs-test', i % 2, 1 + i, x, i === 6 ? NaN : x * 3, i === 6 ? NaN : (i % 3) - 1, i === 6 ? 0 : 1]);
    for (const r of rows) expect(sink.row(r)).toBeNull();
    expect(existsSync(path)).toBe(false);
    await sink.end({ rows: rows.length, warmRows: 3 });
    expect(existsSync(path)).toBe(true);
    expect(existsSync(`${path}.partial`)).toBe(false);

    const back = await read(path);
    expect(back.length).toBe(rows.length);
    back.forEach((r, i) => {
      const want = rows[i];
      expect(r.ts).toBe(BigInt(want[0] as number));
      expect(r.schema_id).toBe('fs-test');
      expect(r.warm).toBe(want[3]);
      for (const name of ['recv_ts', 'spread_ticks', 'ofi_1s', 'label_ret_1s_bps']) {
        expect(bits(r[name] as number), `${name} of row ${i}`).toBe(bits(want[columns.indexOf(name)] as number));
      }
      // An unreached horizon has no class: null, not a made-up 0.
      expect(r.label_class_1s).toBe(i === 6 ? null : want[7]);
      expect(r.label_reached_1s).toBe(want[8]);
    });
    const bytes = readFileSync(path);
    const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    expect(metadata.row_groups.length).toBe(3);
    expect(metadata.key_value_metadata).toContainEqual({ key: 'ladder.schema_id', value: 'fs-test' });
    const schema = JSON.parse(readFileSync(`${path}.schema.json`, 'utf8')) as { schemaId: string; columns: string[]; rows: number };
    expect(schema).toMatchObject({ schemaId: 'fs-test', columns, rows: rows.length });
  });

  it('refuses to replace an export without force, and leaves nothing behind when aborted', async () => {
    const path = fresh();
    writeFileSync(path, 'finished');
    await expect(new ParquetFeatureSink(path).begin(columns, meta)).rejects.toBeInstanceOf(OutputExistsError);
    const other = fresh();
    const sink = new ParquetFeatureSink(other);
    await sink.begin(columns, meta);
    void sink.row([1, 1, 'fs-test', 0, 1, 0, NaN, NaN, 0]);
    await sink.abort();
    expect(existsSync(other)).toBe(false);
    expect(existsSync(`${other}.partial`)).toBe(false);
  });
});
