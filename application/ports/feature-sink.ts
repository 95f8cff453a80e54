import type { FeatureDefinition } from '../../domain/features/definitions.ts';

/** The label settings of an export, as the sink records them beside the rows. */
export interface ExportLabels {
  /** Forward horizons in microseconds of venue time, strictly increasing. */
  readonly horizonsMicros: readonly number[];
  /** A forward return r counts as flat (class 0) when |r| <= deadZoneBps. */
  readonly deadZoneBps: number;
}

/** What an export is, known before its first row. */
export interface ExportMeta {
  readonly schemaId: string;
  /** The enabled features, in the order their columns appear. */
  readonly definitions: readonly FeatureDefinition[];
  readonly labels: ExportLabels | null;
  /** Where the market data came from, e.g. `replay:capture.jsonl`. */
  readonly source: string;
}

/** How an export ended, known after its last row. */
export interface ExportTotals {
  readonly rows: number;
  readonly warmRows: number;
}

/**
 * One cell: a number (a feature value in its definition's unit, a time in ms, a 1/0 flag; NaN where
 * there is no value, such as the label of a horizon the data never reached) or a text (the schema id).
 */
export type ExportCell = number | string;

/**
 * Where exported feature rows go: a CSV file, a table. Rows come in the order of the data, each with
 * one cell per column given to `begin`.
 *
 * Back-pressure: `row` returns null when the sink took the row and can take more at once, or a
 * promise the caller awaits before the next row when its buffer is full (a slow disk). An export thus
 * holds at most one buffer's worth, never the whole file. A sink may keep the row array only until it
 * returns: the caller reuses it.
 *
 * Failure: `begin`, a returned promise or `end` reject on a write error, with a message naming the
 * destination. After a failure, or when the caller gives up, `abort` releases the destination and
 * leaves nothing that looks like a finished export.
 */
export interface FeatureSink {
  begin(columns: readonly string[], meta: ExportMeta): Promise<void>;
  row(cells: readonly ExportCell[]): Promise<void> | null;
  /** Flushes and commits the export: only now does it appear under its final name. */
  end(totals: ExportTotals): Promise<void>;
  abort(): Promise<void>;
}
