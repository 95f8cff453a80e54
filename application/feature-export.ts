import { FeatureEngine } from '../domain/features/engine.ts';
import type { FeatureDefinition } from '../domain/features/definitions.ts';
import { Labeller, type LabelledRow } from '../domain/features/labels.ts';
import { selectFeatures, type FeatureSelection, type SelectionError } from '../domain/features/registry.ts';
import type { SyncConfig } from '../domain/market/book-sync.ts';
import type { MarketEvent } from '../domain/market/market-event.ts';
import { ok, type Result } from '../domain/result.ts';
import type { Instrument } from '../domain/values/instrument.ts';
import type { Micros } from '../domain/values/units.ts';
import { bybitSyncConfig, MarketData } from './market-data.ts';
import type { Clock } from './ports/clock.ts';
import type { ExportCell, ExportLabels, FeatureSink } from './ports/feature-sink.ts';
import type { Logger } from './ports/logger.ts';
import type { MarketDataFeed } from './ports/market-data-feed.ts';

/** The columns every export starts with: venue ms, receive ms, schema id, warm flag. */
export const LEADING_COLUMNS = ['ts', 'recv_ts', 'schema_id', 'warm'] as const;

/**
 * Features outside tools read from every export, by these names and meanings: `spread_ticks` (best
 * ask - best bid, ticks), `depth_imbalance_1` ((qb - qa) / (qb + qa) at the touch) and `ofi_1s` (touch
 * OFI in base currency over the trailing second of venue time). A selection without them gets them added.
 */
export const REQUIRED_FEATURES = ['spread_ticks', 'depth_imbalance_1', 'ofi_1s'] as const;

/**
 * The definitions an export computes: the selection, plus any required feature it left out. Added
 * features join as if named in `features`: after the named ones, or in registry order with groups.
 */
export function exportSelection(selection: FeatureSelection): Result<{ definitions: readonly FeatureDefinition[]; added: readonly string[] }, SelectionError> {
  const chosen = selectFeatures(selection);
  if (!chosen.ok) return chosen;
  const have = new Set(chosen.value.map((d) => d.name));
  const added = REQUIRED_FEATURES.filter((name) => !have.has(name));
  if (added.length === 0) return ok({ definitions: chosen.value, added });
  const all = selectFeatures({ groups: selection.groups ?? [], features: [...(selection.features ?? []), ...added] });
  return all.ok ? ok({ definitions: all.value, added }) : all;
}

/** A horizon as it appears in a column name: `1s`, `250ms`, `1500us`. */
export function horizonLabel(micros: number): string {
  if (micros % 1_000_000 === 0) return `${micros / 1_000_000}s`;
  if (micros % 1_000 === 0) return `${micros / 1_000}ms`;
  return `${micros}us`;
}

/** Every column of an export, in order. */
export function exportColumns(definitions: readonly FeatureDefinition[], labels: ExportLabels | null): string[] {
  const columns: string[] = [...LEADING_COLUMNS, ...definitions.map((d) => d.name)];
  for (const h of labels?.horizonsMicros ?? []) {
    const label = horizonLabel(h);
    columns.push(`label_ret_${label}_bps`, `label_class_${label}`, `label_reached_${label}`);
  }
  return columns;
}

/** How far an export has come. `fraction` is in [0, 1], or null where the source cannot tell. */
export interface ExportProgress {
  readonly frames: number;
  readonly rows: number;
  readonly fraction: number | null;
}

/** What a source's progress estimate may read. */
export interface ExportPosition {
  readonly frames: number;
  readonly bookFrames: number;
  /** Venue time between the first and the latest LIVE book frame, µs; 0 before the first. */
  readonly venueElapsedMicros: number;
}

export interface ExportDeps {
  readonly feed: MarketDataFeed;
  readonly sink: FeatureSink;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface ExportOptions {
  readonly instrument: Instrument;
  /** Book depth window in levels; null keeps every level sent. */
  readonly bookDepth: number | null;
  /** Staleness rule; Bybit's push interval for `bookDepth` when absent. */
  readonly sync?: SyncConfig;
  readonly definitions: readonly FeatureDefinition[];
  readonly labels: ExportLabels | null;
  /** Called at most every `progressMillis` of clock time, and once at the end. */
  readonly onProgress?: (progress: ExportProgress) => void;
  /** The share of the source read so far, if the source can say. */
  readonly fraction?: (position: ExportPosition) => number | null;
  /** Default 100 ms. */
  readonly progressMillis?: number;
}

export interface ExportSummary {
  readonly frames: number;
  readonly bookFrames: number;
  readonly rows: number;
  /** Rows written after every feature's warm-up (`warm` = 1). */
  readonly warmRows: number;
  readonly schemaId: string;
  readonly malformed: number;
  readonly gaps: number;
  readonly resyncs: number;
  /** Clock time the export took, µs. */
  readonly elapsedMicros: number;
}

/** The clock is read once per this many frames: reading it per frame would cost more than a row. */
const FRAMES_PER_CLOCK_READ = 256;

/** A row waiting for its labels: its id, venue and receive time (µs), warm flag and feature values. */
interface HeldRow {
  readonly id: number;
  readonly ts: Micros;
  readonly recvTime: Micros;
  readonly warm: boolean;
  readonly values: Float64Array;
}

/**
 * Drives the feed to its end through the book and its integrity checks and the feature engine, exactly
 * as the trading loop sees the market, and hands the sink one row per book frame applied while the book
 * is LIVE with both sides present. Engine windows restart at every book state transition (a gap, a
 * resync, silence), and so does the label stream: rows before a break are labelled only by what came
 * before it. With labels, a row is held until its longest horizon has passed (memory bounded by that
 * horizon's frames) and rows still come out in order. On any failure the sink is aborted.
 */
export async function exportFeatures(deps: ExportDeps, options: ExportOptions): Promise<ExportSummary> {
  const started = deps.clock.nowMicros();
  const run = new ExportRun(deps, options);
  const { sink, clock } = deps;
  const progressMicros = (options.progressMillis ?? 100) * 1000;
  let lastProgress = started;
  await sink.begin(run.columns, { schemaId: run.schemaId, definitions: run.engine.definitions, labels: options.labels, source: deps.feed.description });
  try {
    for await (const event of deps.feed.events()) {
      await run.onEvent(event);
      if (options.onProgress !== undefined && run.frames % FRAMES_PER_CLOCK_READ === 0) {
        const now = clock.nowMicros();
        if (now - lastProgress >= progressMicros) {
          lastProgress = now;
          run.report();
        }
      }
    }
    await run.finish();
    await sink.end({ rows: run.rows, warmRows: run.warmRows });
  } catch (error) {
    await sink.abort();
    throw error;
  }
  run.report();
  const c = run.market.counters;
  return {
    frames: run.frames,
    bookFrames: c.bookFrames,
    rows: run.rows,
    warmRows: run.warmRows,
    schemaId: run.schemaId,
    malformed: c.malformed,
    gaps: c.gaps,
    resyncs: c.resyncs,
    elapsedMicros: clock.nowMicros() - started,
  };
}

/** The state of one export: market, engine, labeller, the rows held for their labels, and counts. */
class ExportRun {
  readonly market: MarketData;
  readonly engine: FeatureEngine;
  readonly columns: readonly string[];
  readonly schemaId: string;
  frames = 0;
  rows = 0;
  warmRows = 0;
  private readonly labeller: Labeller | null;
  /** One row's cells, reused: the sink copies what it keeps. */
  private readonly cells: ExportCell[];
  private readonly held: HeldRow[] = [];
  private heldHead = 0;
  private nextRowId = 0;
  private firstBookTs = -1;
  private lastBookTs = -1;

  constructor(
    private readonly deps: ExportDeps,
    private readonly options: ExportOptions,
  ) {
    this.market = new MarketData(
      { instrument: options.instrument, bookDepth: options.bookDepth, sync: options.sync ?? bybitSyncConfig(options.bookDepth) },
      deps.feed,
      deps.logger,
    );
    this.engine = new FeatureEngine(options.instrument, options.definitions);
    this.schemaId = this.engine.schema.id;
    const labels = options.labels;
    this.labeller = labels === null ? null : new Labeller({ horizonsMicros: labels.horizonsMicros, deadZoneBps: labels.deadZoneBps });
    this.columns = exportColumns(this.engine.definitions, labels);
    this.cells = new Array<ExportCell>(this.columns.length).fill(0);
  }

  async onEvent(event: MarketEvent): Promise<void> {
    this.frames++;
    const { market, engine, labeller } = this;
    const step = market.process(event);
    if (step.transition !== null) {
      // Windows and forward returns measured across a broken or silent book say nothing.
      engine.reset();
      if (labeller !== null) await this.release(labeller.flush());
    }
    for (const trade of step.trades) engine.onTrade(trade);
    const frame = step.book;
    if (frame === null) return;
    const vector = engine.onBook(market.book, frame.ts);
    if (vector === null) return;
    if (this.firstBookTs < 0) this.firstBookTs = frame.ts;
    this.lastBookTs = frame.ts;
    const row: HeldRow = { id: this.nextRowId++, ts: frame.ts, recvTime: frame.recvTime, warm: engine.warm, values: vector.values };
    if (labeller === null) return this.write(row, null);
    this.held.push(row);
    // Both sides are present, so the mid exists.
    await this.release(labeller.push(frame.ts, market.book.midTimesTwo()!, row.id));
  }

  /** Ends the label stream: the rows still held come out with what the data reached. */
  async finish(): Promise<void> {
    if (this.labeller !== null) await this.release(this.labeller.flush());
  }

  report(): void {
    const position: ExportPosition = {
      frames: this.frames,
      bookFrames: this.market.counters.bookFrames,
      venueElapsedMicros: this.firstBookTs < 0 ? 0 : this.lastBookTs - this.firstBookTs,
    };
    this.options.onProgress?.({ frames: this.frames, rows: this.rows, fraction: this.options.fraction?.(position) ?? null });
  }

  /** Writes the held rows the labeller has finished, oldest first. */
  private async release(done: readonly LabelledRow[]): Promise<void> {
    for (const labelled of done) {
      const row = this.held[this.heldHead];
      // The labeller emits rows in push order, one per push: a mismatch is a bug, not bad data.
      if (row === undefined || labelled.rowId !== row.id) throw new Error(`label for row ${labelled.rowId} out of order`);
      this.heldHead++;
      await this.write(row, labelled);
    }
    if (this.heldHead > 4096 && this.heldHead * 2 > this.held.length) {
      this.held.splice(0, this.heldHead);
      this.heldHead = 0;
    }
  }

  private async write(row: HeldRow, labelled: LabelledRow | null): Promise<void> {
    const cells = this.cells;
    cells[0] = row.ts / 1000;
    cells[1] = row.recvTime / 1000;
    cells[2] = this.schemaId;
    cells[3] = row.warm ? 1 : 0;
    const n = row.values.length;
    for (let j = 0; j < n; j++) cells[4 + j] = row.values[j];
    if (labelled !== null) {
      let c = 4 + n;
      for (let k = 0; k < labelled.reached.length; k++) {
        const reached = labelled.reached[k] === 1;
        cells[c++] = labelled.returnsBps[k];
        // A horizon the data never reached has no class: 0 would claim a flat market.
        cells[c++] = reached ? labelled.classes[k] : NaN;
        cells[c++] = reached ? 1 : 0;
      }
    }
    this.rows++;
    if (row.warm) this.warmRows++;
    const wait = this.deps.sink.row(cells);
    if (wait !== null) await wait;
  }
}
