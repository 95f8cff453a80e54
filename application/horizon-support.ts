import type { ExportCell, ExportMeta, ExportTotals, FeatureSink } from './ports/feature-sink.ts';

/** A label horizon the data could not support: its non-overlapping windows in the data's span. */
export interface DroppedHorizon {
  readonly horizonMicros: number;
  readonly windows: number;
}

/** What the export kept and dropped, and the span of venue time its rows covered, µs. */
export interface HorizonSupport {
  readonly kept: readonly number[];
  readonly dropped: readonly DroppedHorizon[];
  readonly spanMicros: number;
  /** True when no horizon had the windows and all were kept, for the trainer to refuse or judge. */
  readonly noneSupported: boolean;
}

/** Label columns come three a horizon, after every other column, in the horizons' order. */
const COLUMNS_PER_HORIZON = 3;

/**
 * Stands in front of an export's sink and keeps only the label horizons the data can support: a
 * horizon needs `minWindows` non-overlapping windows in the span of venue time between the first and
 * the last row (the trainer's rule, applied to the whole export rather than its holdout). Rows are held
 * until the span reaches `minWindows` × the longest horizon: from then on every horizon is supported
 * and rows stream straight through. An export that ends first drops the horizons short of it, their
 * columns and their place in the export's label settings, and writes its held rows without them.
 * Memory is thus bounded by `minWindows` × the longest horizon of rows (50 minutes at 10 × 5 min).
 * When no horizon has the windows, all are kept and `noneSupported` says so: a trainer then refuses
 * the data naming the length it needs.
 */
export class HorizonSupportSink implements FeatureSink {
  private columns: readonly string[] = [];
  private meta: ExportMeta | null = null;
  private held: ExportCell[][] = [];
  private firstMs: number | null = null;
  private lastMs = 0;
  private streaming = false;
  private begun = false;
  private result: HorizonSupport | null = null;

  constructor(private readonly inner: FeatureSink, private readonly minWindows: number) {
    if (!(Number.isInteger(minWindows) && minWindows >= 1)) throw new RangeError(`minWindows must be an integer ≥ 1, got ${minWindows}`);
  }

  /** Known once the export has ended. */
  get support(): HorizonSupport | null {
    return this.result;
  }

  begin(columns: readonly string[], meta: ExportMeta): Promise<void> {
    this.columns = [...columns];
    this.meta = meta;
    if (meta.labels === null || meta.labels.horizonsMicros.length === 0) return this.start(columns, meta);
    return Promise.resolve();
  }

  row(cells: readonly ExportCell[]): Promise<void> | null {
    if (this.streaming) return this.inner.row(cells);
    // Cell 0 is the row's venue time in ms.
    const ms = cells[0] as number;
    this.firstMs ??= ms;
    this.lastMs = ms;
    this.held.push([...cells]);
    const longest = this.horizons().at(-1)!;
    if ((this.lastMs - this.firstMs) * 1000 >= this.minWindows * longest) return this.flush(this.horizons().map(() => true));
    return null;
  }

  async end(totals: ExportTotals): Promise<void> {
    if (!this.streaming) {
      const span = this.firstMs === null ? 0 : (this.lastMs - this.firstMs) * 1000;
      const windows = this.horizons().map((h) => Math.floor(span / h));
      const keep = windows.map((w) => w >= this.minWindows);
      const none = !keep.some(Boolean);
      await this.flush(none ? keep.map(() => true) : keep);
      this.result = {
        kept: this.horizons().filter((_, k) => none || keep[k]),
        dropped: none ? [] : this.horizons().flatMap((h, k) => (keep[k] ? [] : [{ horizonMicros: h, windows: windows[k] }])),
        spanMicros: span,
        noneSupported: none,
      };
    } else {
      this.result ??= { kept: this.horizons(), dropped: [], spanMicros: (this.lastMs - (this.firstMs ?? this.lastMs)) * 1000, noneSupported: false };
    }
    await this.inner.end(totals);
  }

  async abort(): Promise<void> {
    this.held = [];
    if (this.begun) await this.inner.abort();
  }

  private horizons(): readonly number[] {
    return this.meta?.labels?.horizonsMicros ?? [];
  }

  private async start(columns: readonly string[], meta: ExportMeta): Promise<void> {
    this.begun = true;
    this.streaming = true;
    await this.inner.begin(columns, meta);
  }

  /** Begins the inner sink with the kept horizons' columns and writes the held rows, then streams. */
  private async flush(keep: readonly boolean[]): Promise<void> {
    const meta = this.meta!;
    const labelsFrom = this.columns.length - COLUMNS_PER_HORIZON * keep.length;
    const kept = (index: number): boolean => index < labelsFrom || keep[Math.floor((index - labelsFrom) / COLUMNS_PER_HORIZON)];
    const all = keep.every(Boolean);
    const labels = meta.labels === null ? null : { ...meta.labels, horizonsMicros: meta.labels.horizonsMicros.filter((_, k) => keep[k]) };
    await this.start(all ? this.columns : this.columns.filter((_, i) => kept(i)), { ...meta, labels });
    const rows = this.held;
    this.held = [];
    for (const cells of rows) {
      const wait = this.inner.row(all ? cells : cells.filter((_, i) => kept(i)));
      if (wait !== null) await wait;
    }
  }
}
