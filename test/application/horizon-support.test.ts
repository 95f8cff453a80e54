import { describe, expect, it } from 'vitest';
import { HorizonSupportSink } from '../../application/horizon-support.ts';
import type { ExportCell, ExportMeta, ExportTotals, FeatureSink } from '../../application/ports/feature-sink.ts';

/** Records what reaches the file. */
class RecordingSink implements FeatureSink {
  columns: readonly string[] | null = null;
  meta: ExportMeta | null = null;
  rows: ExportCell[][] = [];
  ended: ExportTotals | null = null;
  aborted = false;
  begin(columns: readonly string[], meta: ExportMeta): Promise<void> {
    this.columns = columns;
    this.meta = meta;
    return Promise.resolve();
  }
  row(cells: readonly ExportCell[]): Promise<void> | null {
    this.rows.push([...cells]);
    return null;
  }
  end(totals: ExportTotals): Promise<void> {
    this.ended = totals;
    return Promise.resolve();
  }
  abort(): Promise<void> {
    this.aborted = true;
    return Promise.resolve();
  }
}

const H = [5_000_000, 30_000_000];
const COLUMNS = ['ts', 'recv_ts', 'schema_id', 'warm', 'f', 'label_ret_5s_bps', 'label_class_5s', 'label_reached_5s', 'label_ret_30s_bps', 'label_class_30s', 'label_reached_30s'];
const META: ExportMeta = { schemaId: 'fs-x', definitions: [], labels: { horizonsMicros: H, deadZoneBps: 4 }, source: 'test' };

/** Rows a second apart for `seconds` of venue time, the caller's cell array reused as the exporter does. */
async function feed(sink: FeatureSink, seconds: number): Promise<void> {
  await sink.begin(COLUMNS, META);
  const cells: ExportCell[] = new Array<ExportCell>(COLUMNS.length).fill(0);
  for (let s = 0; s <= seconds; s++) {
    cells[0] = 1_000_000 + s * 1000;
    cells[2] = 'fs-x';
    cells[4] = s;
    for (let k = 5; k < COLUMNS.length; k++) cells[k] = s + k / 100;
    const wait = sink.row(cells);
    if (wait !== null) await wait;
  }
  await sink.end({ rows: seconds + 1, warmRows: seconds + 1 });
}

describe('HorizonSupportSink', () => {
  it("drops a horizon with fewer windows than asked in the data's span: its columns, its label setting, every row's cells", async () => {
    const file = new RecordingSink();
    const sink = new HorizonSupportSink(file, 10);
    await feed(sink, 120);
    expect(sink.support).toEqual({ kept: [5_000_000], dropped: [{ horizonMicros: 30_000_000, windows: 4 }], spanMicros: 120_000_000, noneSupported: false });
    expect(file.columns).toEqual(COLUMNS.slice(0, 8));
    expect(file.meta?.labels?.horizonsMicros).toEqual([5_000_000]);
    expect(file.rows.length).toBe(121);
    // Each held row was copied: the caller's reused array did not overwrite it.
    expect(file.rows.map((r) => r[4])).toEqual(Array.from({ length: 121 }, (_, s) => s));
    expect(file.rows[7]).toEqual([1_007_000, 0, 'fs-x', 0, 7, 7.05, 7.06, 7.07]);
    expect(file.ended).toEqual({ rows: 121, warmRows: 121 });
  });

  it('streams every horizon once the span reaches the windows of the longest', async () => {
    const file = new RecordingSink();
    const sink = new HorizonSupportSink(file, 10);
    await feed(sink, 400);
    expect(sink.support?.dropped).toEqual([]);
    expect(file.columns).toEqual(COLUMNS);
    expect(file.rows.length).toBe(401);
    expect(file.rows[350]).toEqual([1_350_000, 0, 'fs-x', 0, 350, ...COLUMNS.slice(5).map((_, k) => 350 + (k + 5) / 100)]);
  });

  it('keeps every horizon, saying so, when none has the windows', async () => {
    const file = new RecordingSink();
    const sink = new HorizonSupportSink(file, 10);
    await feed(sink, 20);
    expect(sink.support).toMatchObject({ kept: H, dropped: [], noneSupported: true });
    expect(file.columns).toEqual(COLUMNS);
  });

  it('aborts the file only once it has begun', async () => {
    const file = new RecordingSink();
    const sink = new HorizonSupportSink(file, 10);
    await sink.begin(COLUMNS, META);
    await sink.abort();
    expect(file.aborted).toBe(false);
    expect(file.columns).toBeNull();
    expect(() => new HorizonSupportSink(file, 0)).toThrow(RangeError);
  });
});
