/**
 * Labelled feature rows to train on, as `ladder features --labels` exports them: the warm rows of one
 * or more files of one feature schema, in venue-time order.
 */
export interface TrainingTable {
  /** The files the rows came from, and what each was exported from (`synthetic:seed=1`, a capture). */
  readonly sources: readonly { readonly file: string; readonly source: string; readonly rows: number }[];
  readonly schemaId: string;
  readonly featureNames: readonly string[];
  readonly featureVersions: readonly number[];
  readonly rows: number;
  /** Venue time of each row, µs since the Unix epoch; non-decreasing. */
  readonly ts: Float64Array;
  /** rows × features, row-major: row i's feature j at `i * features + j`. Every value finite. */
  readonly values: Float64Array;
  /** The label horizons, µs. */
  readonly horizonsMicros: readonly number[];
  /** Per horizon, each row's forward mid return in bps; NaN where the horizon was not reached. */
  readonly labels: readonly Float64Array[];
  /** Warm rows left out because a feature was not a finite number. */
  readonly skippedRows: number;
}
